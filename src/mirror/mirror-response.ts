import { findHeader, headerName, parseSip } from "../alg/sip-text.js";

export const MIRROR_SOURCE_HEADER = "X-Callpath-Mirror-Source";
export const MIRROR_STATUS = 480;

/**
 * The mirror's answer to a request: a final non-2xx (so no dialog, and a kernel helper drops its media
 * expectations) carrying, base64-encoded, exactly the bytes that arrived and where they came from.
 * Undefined for anything that is not a request (nothing to answer).
 */
export function mirrorResponse(received: Buffer, source: string): Buffer | undefined {
  const parsed = parseSip(received);
  if (!parsed.ok || !parsed.msg.isRequest || parsed.msg.method === "ACK") return undefined;
  const m = parsed.msg;
  const copy = ["via", "from", "to", "call-id", "cseq"].flatMap((name) => m.headers.filter((h) => headerName(h) === name));
  const body = received.toString("base64");
  const to = findHeader(m, "to") ?? "";
  const head = [
    `SIP/2.0 ${MIRROR_STATUS} Mirrored`,
    ...copy.map((h) => (headerName(h) === "to" && !/;\s*tag=/i.test(to) ? `${h};tag=mirror` : h)),
    `${MIRROR_SOURCE_HEADER}: ${source}`,
    "Content-Type: application/x-callpath-mirror",
    `Content-Length: ${body.length}`,
  ];
  return Buffer.from(`${head.join("\r\n")}\r\n\r\n${body}`, "latin1");
}

/** What a mirror answer says arrived, or undefined if `response` is not one. */
export function readMirrorResponse(response: string): { received: string; source: string } | undefined {
  const parsed = parseSip(response);
  if (!parsed.ok) return undefined;
  const source = findHeader(parsed.msg, MIRROR_SOURCE_HEADER.toLowerCase());
  if (source === undefined) return undefined;
  return { received: Buffer.from(parsed.msg.body, "base64").toString("latin1"), source };
}
