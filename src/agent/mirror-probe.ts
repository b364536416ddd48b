import { randomBytes } from "node:crypto";
import { buildOffer } from "./plain-rtp-sdh.js";

export interface ProbeInput {
  readonly user: string;
  readonly domain: string;
  /** The agent's own address and SIP port, written the way its real requests write them. */
  readonly address: string;
  readonly port: number;
  readonly rtpPort: number;
  /** The mirror, "ip:port". */
  readonly mirror: string;
}

/**
 * An INVITE shaped like the agent's real ones (Via with port and rport, Contact with port, an SDP naming
 * its own address), addressed to a SIP mirror: what arrives there, diffed against this, shows what every
 * box on the path rewrote (the approach of sip-alg-detector, CONDITIONS.md part D).
 */
export function probeInvite(p: ProbeInput): { message: string; branch: string } {
  const branch = `z9hG4bK${randomBytes(8).toString("hex")}`;
  const sdp = buildOffer(p.address, p.rtpPort, Math.floor(Math.random() * 1e9), 0);
  const message = [
    `INVITE sip:mirror@${p.mirror} SIP/2.0`,
    `Via: SIP/2.0/UDP ${p.address}:${p.port};branch=${branch};rport`,
    "Max-Forwards: 70",
    `From: <sip:${p.user}@${p.domain}>;tag=${randomBytes(5).toString("hex")}`,
    `To: <sip:mirror@${p.mirror}>`,
    `Call-ID: ${randomBytes(10).toString("hex")}`,
    "CSeq: 1 INVITE",
    `Contact: <sip:${p.user}@${p.address}:${p.port};transport=udp>`,
    "Content-Type: application/sdp",
    `Content-Length: ${Buffer.byteLength(sdp)}`,
    "",
    sdp,
  ].join("\r\n");
  return { message, branch };
}
