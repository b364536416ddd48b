import { z } from "zod";
import { DECODE_OPTIONS, DISPLAY_FILTER, FIELDS, parseDissection, type Packet } from "../capture/dissect.js";

// What `callpath inspect` reads of a capture: the ladder's fields (src/capture/dissect.ts), and beside
// them tshark's own sub-fields for the addresses in SIP and SDP, STUN error codes and ChannelData, TLS
// handshake types and SNI, TCP flags and the protocol stack of each frame. All are tshark's dissection,
// asked for by name; nothing here looks at packet bytes.

/** tshark's fields the inspector asks for on top of the ladder's (dissect.ts's FIELDS), which it leaves as they are. */
export const INSPECT_FIELDS = [
  "frame.protocols",
  "udp.length",
  "tcp.flags.syn",
  "tcp.flags.ack",
  "tcp.flags.reset",
  "sip.contact.user",
  "sip.contact.host",
  "sip.contact.port",
  "sdp.owner.address",
  "sdp.connection_info.address",
  "sdp.media.port",
  "stun.att.error.class",
  "stun.att.error",
  "stun.att.username",
  "stun.channel",
  "tls.handshake.extensions_server_name",
] as const;
type InspectField = (typeof INSPECT_FIELDS)[number] | "ip.src" | "ip.dst" | "ip.proto" | "frame.number" | "tls.handshake.type";

/**
 * The ladder's frames, and TCP connection set-up and resets (was TCP tried, did it connect) and VPN
 * tunnels (OpenVPN, WireGuard), which say what carries the traffic the capture cannot see into.
 */
export const INSPECT_FILTER = `${DISPLAY_FILTER} || tcp.flags.syn == 1 || tcp.flags.reset == 1 || openvpn || wg`;

export function inspectArgs(file: string): string[] {
  return ["-r", file, "-n", ...DECODE_OPTIONS, "-Y", INSPECT_FILTER, "-T", "json", ...[...FIELDS, ...INSPECT_FIELDS].flatMap((f) => ["-e", f])];
}

export interface ViaHop {
  readonly transport: string;
  readonly host: string;
  /** The sent-by port; 5060 when the Via names none (RFC 3261 §18.2.2). */
  readonly port: number;
  readonly branch: string;
  readonly received: string | null;
  /** The rport value a proxy filled in (RFC 3581): the port the message came from. */
  readonly rport: number | null;
}

/** The addresses a SIP message carries, as tshark parsed them. */
export interface SipAddressing {
  /** Top first. */
  readonly via: readonly ViaHop[];
  readonly contact: { readonly user: string; readonly host: string; readonly port: number | null } | null;
  readonly sdp: { readonly origin: string | null; readonly connection: readonly string[]; readonly ports: readonly number[] } | null;
}

export interface InspectPacket extends Packet {
  readonly protocols: readonly string[];
  /** UDP length (the reassembled datagram's, on the frame that completes a fragmented one). */
  readonly udpLength: number | null;
  readonly tcp: { readonly syn: boolean; readonly ack: boolean; readonly reset: boolean } | null;
  /** Only for SIP that is not quoted inside an ICMP error. */
  readonly addressing: SipAddressing | null;
  /** STUN error code (401, 438, …) of an error response. */
  readonly stunError: number | null;
  /** A STUN request carrying USERNAME: an ICE connectivity check (or an authenticated TURN request, told apart by its method). */
  readonly stunUsername: string | null;
  /** TURN ChannelData: the channel number. */
  readonly channel: number | null;
  /** TLS handshake message types in this frame (1 ClientHello, 2 ServerHello, …), and the SNI a ClientHello names. */
  readonly tls: { readonly types: readonly number[]; readonly serverName: string | null } | null;
  /** The packet an ICMP error quotes. */
  readonly quoted: { readonly src: string; readonly dst: string; readonly protocol: number | null } | null;
}

const Frames = z.array(z.object({ _source: z.object({ layers: z.record(z.string(), z.array(z.string())) }) }));

function num(v: string | undefined): number | null {
  if (v === undefined) return null;
  const n = v.startsWith("0x") ? Number.parseInt(v, 16) : Number(v);
  return Number.isFinite(n) ? n : null;
}

const flag = (v: string | undefined): boolean => v === "1" || v === "True" || v === "true";

/**
 * One Via value as tshark gives it (`SIP/2.0/UDP host:port;branch=…;received=…`), split by RFC 3261's
 * grammar. tshark's Via sub-fields come as separate lists per frame, which cannot be lined up with their
 * Via once one Via lacks a port or a received parameter; its per-Via values can.
 */
export function parseVia(value: string): ViaHop | null {
  const space = value.indexOf(" ");
  if (space < 0) return null;
  const transport = value.slice(0, space).split("/")[2]?.trim().toUpperCase() ?? "";
  const [sentBy = "", ...params] = value
    .slice(space + 1)
    .split(";")
    .map((s) => s.trim());
  let host = sentBy;
  let port: number | null = null;
  if (sentBy.startsWith("[")) {
    const close = sentBy.indexOf("]");
    host = sentBy.slice(1, close < 0 ? undefined : close);
    if (close >= 0 && sentBy[close + 1] === ":") port = num(sentBy.slice(close + 2));
  } else if (sentBy.includes(":")) {
    host = sentBy.slice(0, sentBy.lastIndexOf(":"));
    port = num(sentBy.slice(sentBy.lastIndexOf(":") + 1));
  }
  if (!host) return null;
  const param = (name: string): string | null => {
    const hit = params.find((p) => p.toLowerCase().startsWith(`${name}=`));
    return hit ? hit.slice(name.length + 1) : null;
  };
  return { transport, host, port: port ?? 5060, branch: param("branch") ?? "", received: param("received"), rport: num(param("rport") ?? undefined) };
}

function addressing(p: Packet, l: Partial<Record<InspectField, string[]>>): SipAddressing {
  const via = (p.sip?.via ?? []).flatMap((v) => parseVia(v) ?? []);
  // Several Contact values give several hosts; the port list then cannot be matched to them, and only a
  // single Contact's port is read.
  const hosts = l["sip.contact.host"] ?? [];
  const ports = l["sip.contact.port"] ?? [];
  const contactHost = hosts[0];
  const media = l["sdp.media.port"];
  const hasSdp = l["sdp.connection_info.address"] !== undefined || l["sdp.owner.address"] !== undefined || media !== undefined;
  return {
    via,
    contact: contactHost
      ? { user: l["sip.contact.user"]?.[0] ?? "", host: contactHost, port: hosts.length === 1 || ports.length === hosts.length ? num(ports[0]) : null }
      : null,
    sdp: hasSdp
      ? {
          origin: l["sdp.owner.address"]?.[0] ?? null,
          connection: l["sdp.connection_info.address"] ?? [],
          ports: (media ?? []).map((p) => num(p)).filter((p): p is number => p !== null),
        }
      : null,
  };
}

/** tshark's JSON (`inspectArgs`) → packets with the inspector's fields. A frame without an IPv4 header is left out, as the ladder does. */
export function parseInspection(json: string): InspectPacket[] {
  const text = json.trim() === "" ? "[]" : json;
  const frames = Frames.parse(JSON.parse(text));
  const byFrame = new Map<number, Partial<Record<InspectField, string[]>>>();
  for (const f of frames) {
    const l = f._source.layers as Partial<Record<InspectField, string[]>>;
    byFrame.set(num(l["frame.number"]?.[0]) ?? 0, l);
  }
  return parseDissection(text).map((p): InspectPacket => {
    const l = byFrame.get(p.no) ?? {};
    const one = (f: InspectField): string | undefined => l[f]?.[0];
    const errorClass = num(one("stun.att.error.class"));
    const errorNumber = num(one("stun.att.error"));
    const tlsTypes = (l["tls.handshake.type"] ?? []).map((t) => num(t)).filter((t): t is number => t !== null);
    const quotedProtocol = l["ip.proto"]?.[1];
    return {
      ...p,
      // A SIP message quoted inside an ICMP error is not SIP on the wire.
      sip: p.transport === "icmp" ? null : p.sip,
      protocols: (one("frame.protocols") ?? "").split(":").filter(Boolean),
      udpLength: num(one("udp.length")),
      tcp: p.transport === "tcp" ? { syn: flag(one("tcp.flags.syn")), ack: flag(one("tcp.flags.ack")), reset: flag(one("tcp.flags.reset")) } : null,
      addressing: p.sip && p.transport !== "icmp" ? addressing(p, l) : null,
      stunError: errorClass !== null && errorNumber !== null ? errorClass * 100 + errorNumber : null,
      stunUsername: one("stun.att.username") ?? null,
      channel: num(one("stun.channel")),
      tls: tlsTypes.length > 0 ? { types: tlsTypes, serverName: one("tls.handshake.extensions_server_name") ?? null } : null,
      quoted:
        p.transport === "icmp" && l["ip.src"]?.[1] && l["ip.dst"]?.[1]
          ? { src: l["ip.src"][1], dst: l["ip.dst"][1], protocol: quotedProtocol !== undefined ? num(quotedProtocol) : null }
          : null,
    };
  });
}
