import { z } from "zod";
import type { Analyzer } from "./analyzer.js";

// What callpath reads of a capture: tshark's dissection (`-T json -e <field>`), never a regex over bytes.
// Each packet becomes a Packet with the SIP, SDP, STUN, RTP, ICMP and fragment fields the ladder and
// `callpath inspect` use.

/** tshark's fields, in the order asked for; every one comes back as an array of strings. */
export const FIELDS = [
  "frame.number",
  "frame.time_epoch",
  "frame.interface_name",
  "eth.src",
  "eth.dst",
  "ip.src",
  "ip.dst",
  "ip.id",
  "ip.proto",
  "ip.flags.mf",
  "ip.frag_offset",
  "ip.len",
  "udp.srcport",
  "udp.dstport",
  "tcp.srcport",
  "tcp.dstport",
  "sip.Request-Line",
  "sip.Status-Line",
  "sip.Status-Code",
  "sip.Call-ID",
  "sip.CSeq",
  "sip.Via",
  "sip.Contact",
  "sip.Content-Length",
  "sdp.owner",
  "sdp.connection_info",
  "sdp.media",
  "stun.type",
  "stun.id",
  "classicstun.type",
  "rtp.ssrc",
  "rtp.seq",
  "rtp.p_type",
  "rtp.timestamp",
  "icmp.type",
  "icmp.code",
  "icmp.mtu",
  "tls.handshake.type",
] as const;
type Field = (typeof FIELDS)[number];

/** SIP on callpath's second UDP port too; RTP found by its header on any port (no SDP is needed to see it). */
export const DECODE_OPTIONS = ["-o", "rtp.heuristic_rtp:TRUE", "-d", "udp.port==5080,sip", "-d", "tcp.port==5080,sip"];
/** Frames the ladder and the inspector read; the rest (TCP acks, ARP, RTCP) stay in the pcap only. */
export const DISPLAY_FILTER = "sip || stun || classicstun || rtp || icmp || ip.flags.mf == 1 || ip.frag_offset > 0 || tls.handshake";

/** `keylog`: a TLS key log file for tshark to decrypt with (a file without a secrets block). */
export function tsharkArgs(file: string, keylog?: string | null): string[] {
  return [
    "-r",
    file,
    "-n",
    ...DECODE_OPTIONS,
    ...(keylog ? ["-o", `tls.keylog_file:${keylog}`] : []),
    "-Y",
    DISPLAY_FILTER,
    "-T",
    "json",
    ...FIELDS.flatMap((f) => ["-e", f]),
  ];
}

export interface SipFields {
  readonly firstLine: string;
  /** The request's method, or the response's CSeq method. */
  readonly method: string;
  readonly status: number | null;
  readonly callId: string;
  readonly cseq: string;
  readonly via: readonly string[];
  readonly contact: string | null;
  readonly contentLength: number | null;
  readonly sdp: { readonly o: string | null; readonly c: readonly string[]; readonly m: readonly string[] } | null;
}

export interface Packet {
  readonly no: number;
  /** Seconds since the epoch. */
  readonly time: number;
  /** `node:network`, as the capture named it. */
  readonly iface: string;
  readonly ethSrc: string;
  readonly ethDst: string;
  readonly src: string;
  readonly dst: string;
  readonly ipId: number;
  readonly transport: "udp" | "tcp" | "icmp" | "other";
  readonly sport: number | null;
  readonly dport: number | null;
  readonly length: number;
  /** An IP fragment (more fragments set, or a non-zero offset). */
  readonly fragment: { readonly offset: number; readonly more: boolean } | null;
  readonly sip: SipFields | null;
  readonly stun: { readonly type: string; readonly id: string } | null;
  /** `timestamp`: the RTP media clock (for RFC 3550 jitter against arrival times). */
  readonly rtp: { readonly ssrc: string; readonly seq: number; readonly payloadType: number; readonly timestamp: number } | null;
  readonly icmp: { readonly type: number; readonly code: number; readonly mtu: number | null } | null;
  readonly tlsHandshake: boolean;
}

const Layers = z.record(z.string(), z.array(z.string()));
const TsharkJson = z.array(z.object({ _source: z.object({ layers: Layers }) }));

/** STUN message types (RFC 5389/5766 method and class), as tshark prints them (0x0001). */
const STUN_METHODS: Record<number, string> = { 1: "Binding", 3: "Allocate", 4: "Refresh", 6: "Send", 7: "Data", 8: "CreatePermission", 9: "ChannelBind" };

export function stunTypeName(hex: string): string {
  const t = Number.parseInt(hex, 16);
  if (!Number.isFinite(t)) return hex;
  const method = (t & 0x000f) | ((t & 0x00e0) >> 1) | ((t & 0x3e00) >> 2);
  const cls = ((t & 0x0100) >> 7) | ((t & 0x0010) >> 4);
  const name = STUN_METHODS[method] ?? `method 0x${method.toString(16)}`;
  return `${name} ${["request", "indication", "success", "error"][cls]}`;
}

function num(v: string | undefined): number | null {
  if (v === undefined) return null;
  const n = v.startsWith("0x") ? Number.parseInt(v, 16) : Number(v);
  return Number.isFinite(n) ? n : null;
}

/** tshark prints booleans as "1"/"0" or "True"/"False" depending on the field. */
function flag(v: string | undefined): boolean {
  return v === "1" || v === "True" || v === "true";
}

/** tshark's JSON (`-T json -e …`) → packets. A frame without an IPv4 header is left out. */
export function parseDissection(json: string): Packet[] {
  const frames = TsharkJson.parse(JSON.parse(json.trim() === "" ? "[]" : json));
  const out: Packet[] = [];
  for (const { _source } of frames) {
    const l = _source.layers as Partial<Record<Field, string[]>>;
    const one = (f: Field): string | undefined => l[f]?.[0];
    if (!one("ip.src") || !one("ip.dst")) continue;
    const proto = num(one("ip.proto"));
    const transport = proto === 17 ? "udp" : proto === 6 ? "tcp" : proto === 1 ? "icmp" : "other";
    const offset = num(one("ip.frag_offset")) ?? 0;
    const more = flag(one("ip.flags.mf"));
    const firstLine = one("sip.Request-Line") ?? one("sip.Status-Line");
    const cseq = one("sip.CSeq") ?? "";
    const status = num(one("sip.Status-Code"));
    const sip: SipFields | null =
      firstLine !== undefined
        ? {
            firstLine,
            method: one("sip.Request-Line")?.split(" ")[0] ?? cseq.split(" ")[1] ?? "",
            status: one("sip.Request-Line") ? null : status,
            callId: one("sip.Call-ID") ?? "",
            cseq,
            via: l["sip.Via"] ?? [],
            contact: one("sip.Contact") ?? null,
            contentLength: num(one("sip.Content-Length")),
            sdp:
              l["sdp.media"] || l["sdp.connection_info"] || l["sdp.owner"]
                ? { o: one("sdp.owner") ?? null, c: l["sdp.connection_info"] ?? [], m: l["sdp.media"] ?? [] }
                : null,
          }
        : null;
    const stunType = one("stun.type") ?? one("classicstun.type");
    out.push({
      no: num(one("frame.number")) ?? 0,
      time: Number(one("frame.time_epoch") ?? 0),
      iface: one("frame.interface_name") ?? "?",
      ethSrc: one("eth.src") ?? "",
      ethDst: one("eth.dst") ?? "",
      src: one("ip.src")!,
      dst: one("ip.dst")!,
      ipId: num(one("ip.id")) ?? 0,
      transport,
      sport: num(one("udp.srcport") ?? one("tcp.srcport")),
      dport: num(one("udp.dstport") ?? one("tcp.dstport")),
      length: num(one("ip.len")) ?? 0,
      fragment: more || offset > 0 ? { offset, more } : null,
      sip,
      stun: stunType ? { type: stunTypeName(stunType), id: one("stun.id") ?? "" } : null,
      // An ICMP error quotes the packet it answers: its RTP fields are that packet's, not a stream's.
      rtp:
        one("rtp.ssrc") && !sip && !stunType && transport === "udp"
          ? { ssrc: one("rtp.ssrc")!, seq: num(one("rtp.seq")) ?? 0, payloadType: num(one("rtp.p_type")) ?? 0, timestamp: num(one("rtp.timestamp")) ?? 0 }
          : null,
      icmp: transport === "icmp" ? { type: num(one("icmp.type")) ?? -1, code: num(one("icmp.code")) ?? -1, mtu: num(one("icmp.mtu")) } : null,
      tlsHandshake: l["tls.handshake.type"] !== undefined,
    });
  }
  return out;
}

/** Dissects a capture file in the analyzer. */
export async function dissect(analyzer: Analyzer, file: string, keylog?: string | null): Promise<Packet[]> {
  const r = await analyzer.run('exec tshark "$@" 2>/dev/null', tsharkArgs(file, keylog));
  return parseDissection(r.stdout);
}

/** Dissects several files (one per interface), two at a time, and returns their packets in time order. */
export async function dissectEach(analyzer: Analyzer, files: readonly string[], keylog?: string | null): Promise<Packet[]> {
  const out: Packet[][] = [];
  for (let i = 0; i < files.length; i += 2) out.push(...(await Promise.all(files.slice(i, i + 2).map((f) => dissect(analyzer, f, keylog)))));
  return out.flat().sort((a, b) => a.time - b.time);
}
