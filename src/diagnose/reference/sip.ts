import { randomBytes } from "node:crypto";
import { findHeader, parseSip } from "../../alg/sip-text.js";

// The SIP the reference probe writes: a REGISTER-free INVITE with SDP, shaped as a phone writes its own
// (Via sent-by and Contact with the socket's own address and port, rport, an SDP naming the same address),
// so that an ALG that hunts for the phone's address finds it everywhere (CONDITIONS.md A.1, part D's
// sip-alg-detector); an OPTIONS for the SIP server's view of the seat; a SUBSCRIBE as plain UDP control.

export interface SipProbeInput {
  readonly transport: "UDP" | "TCP" | "TLS";
  /** The seat's own address (the source address of its route) and the socket's local port. */
  readonly address: string;
  readonly port: number;
  /** The target, "ip:port". */
  readonly target: string;
  readonly user?: string;
  readonly domain?: string;
}

const tag = (): string => randomBytes(5).toString("hex");

export interface BuiltRequest {
  readonly message: string;
  readonly callId: string;
}

function request(method: string, uri: string, p: SipProbeInput, extra: readonly string[], body = ""): BuiltRequest {
  const callId = `cp-${randomBytes(10).toString("hex")}`;
  const user = p.user ?? "probe";
  const domain = p.domain ?? "callpath.test";
  const message = [
    `${method} ${uri} SIP/2.0`,
    `Via: SIP/2.0/${p.transport} ${p.address}:${p.port};branch=z9hG4bK${randomBytes(8).toString("hex")};rport`,
    "Max-Forwards: 70",
    `From: <sip:${user}@${domain}>;tag=${tag()}`,
    `To: <${uri}>`,
    `Call-ID: ${callId}`,
    `CSeq: 1 ${method}`,
    ...extra,
    `Content-Length: ${Buffer.byteLength(body, "latin1")}`,
    "",
    body,
  ].join("\r\n");
  return { message, callId };
}

/**
 * The ALG probe: an INVITE whose SDP names the seat's address and an even media port ≥ 1024 (Linux's
 * helper drops an SDP with a port below 1024). Kept small, so that over TCP it fits one segment.
 */
export function algInvite(p: SipProbeInput, rtpPort: number): BuiltRequest {
  const session = Math.floor(Math.random() * 1e9);
  const sdp = [
    "v=0",
    `o=- ${session} 0 IN IP4 ${p.address}`,
    "s=-",
    `c=IN IP4 ${p.address}`,
    "t=0 0",
    `m=audio ${rtpPort} RTP/AVP 0`,
    "a=rtpmap:0 PCMU/8000",
    "",
  ].join("\r\n");
  return request(
    "INVITE",
    `sip:mirror@${p.target}`,
    p,
    [`Contact: <sip:${p.user ?? "probe"}@${p.address}:${p.port};transport=${p.transport.toLowerCase()}>`, "Content-Type: application/sdp"],
    sdp,
  );
}

/** An OPTIONS to the SIP server itself (no user part): Kamailio answers it, with received/rport in the Via. */
export function serverOptions(p: SipProbeInput): BuiltRequest {
  return request("OPTIONS", `sip:${p.target.replace(/:\d+$/, "")}`, p, [`Contact: <sip:${p.user ?? "probe"}@${p.address}:${p.port}>`]);
}

/** Plain UDP no DPI signature matches: its first byte is 'S' (0x53), not a ChannelData 0x40-0x4F like 'I'NVITE or 'O'PTIONS. */
export function controlSubscribe(p: SipProbeInput): BuiltRequest {
  return request("SUBSCRIBE", `sip:mirror@${p.target}`, p, ["Event: presence", "Expires: 0", `Contact: <sip:${p.user ?? "probe"}@${p.address}:${p.port}>`]);
}

/** A response to one of our requests (by Call-ID), or undefined. */
export function responseFor(text: string, callId: string): { status: number; topVia: string | undefined; text: string } | undefined {
  const parsed = parseSip(text);
  if (!parsed.ok || parsed.msg.isRequest || findHeader(parsed.msg, "call-id") !== callId) return undefined;
  return { status: Number(parsed.msg.startLine.slice(8, 11)), topVia: findHeader(parsed.msg, "via")?.split(",")[0], text };
}

/** Where a server saw a request come from, by the top Via of its response (RFC 3261 §18.2.1, RFC 3581). */
export function viaSource(topVia: string): string | undefined {
  const m = /^SIP\s*\/\s*2\.0\s*\/\s*\w+\s+([^;:\s]+)(?::(\d+))?/i.exec(topVia.trim());
  if (!m) return undefined;
  const received = /;\s*received=([^;,\s]+)/i.exec(topVia)?.[1];
  const rport = /;\s*rport=(\d+)/i.exec(topVia)?.[1];
  return `${received ?? m[1]}:${rport ?? m[2] ?? "5060"}`;
}
