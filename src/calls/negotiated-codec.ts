// Which audio codec a call carries at one end, read from the SDP answer in that end's own SIP trace: the
// answer's first audio payload is the one both sides send (RFC 3264 §6.1). Through a transcoding relay
// each end has its own answer, so each end can carry another codec.
import * as sdpTransform from "sdp-transform";
import { bodyOf, headerValue, type SipTraceEntry } from "../agent/sip-trace.js";

/** The codec name (rtpmap encoding, or the static payload's name) of the first payload of the first m=audio. */
export function firstAudioCodec(sdp: string): string | undefined {
  const audio = sdpTransform.parse(sdp).media.find((m) => m.type === "audio");
  const first = audio?.payloads?.toString().trim().split(/\s+/)[0];
  if (first === undefined || first === "") return undefined;
  const mapped = audio?.rtp.find((r) => String(r.payload) === first)?.codec;
  return mapped ?? STATIC_PAYLOADS[Number(first)];
}

/** RFC 3551's static audio payload types, for SDP that names them without an rtpmap line. */
const STATIC_PAYLOADS: Readonly<Record<number, string>> = { 0: "PCMU", 8: "PCMA", 9: "G722", 18: "G729" };

/**
 * The codec of call `callId` at the end whose trace this is: from the 2xx to the INVITE it sent or
 * received, whichever carried SDP last (a re-INVITE's answer replaces the first).
 */
export function negotiatedCodec(trace: readonly SipTraceEntry[], callId: string): string | undefined {
  const answers = trace.filter(
    (e) =>
      e.callId === callId &&
      /^SIP\/2\.0 2\d\d/.test(e.firstLine) &&
      e.cseq.endsWith("INVITE") &&
      headerValue(e.raw, "content-type", "c").startsWith("application/sdp") &&
      !e.retransmission,
  );
  const last = answers.at(-1);
  return last ? firstAudioCodec(bodyOf(last.raw)) : undefined;
}
