// Where the SDP an agent received told it to send audio: the address a far end (or a provider, or an ALG
// on the way) wrote into the offer or answer, as it arrived. "No audio back" starts here when it names a
// private address the sender cannot reach.
import * as sdpTransform from "sdp-transform";
import { bodyOf, headerValue, type SipTraceEntry } from "../agent/sip-trace.js";

/** The audio stream's connection address: its own c= line, else the session's. */
export function audioConnectionAddress(sdp: string): string | undefined {
  const parsed = sdpTransform.parse(sdp);
  const audio = parsed.media.find((m) => m.type === "audio");
  return audio?.connection?.ip ?? parsed.connection?.ip;
}

/** The audio address in the last SDP the agent received in call `callId` (an INVITE's offer or a 2xx's answer). */
export function receivedAudioAddress(trace: readonly SipTraceEntry[], callId: string): string | undefined {
  const last = trace
    .filter((e) => e.direction === "received" && e.callId === callId && headerValue(e.raw, "content-type", "c").startsWith("application/sdp"))
    .at(-1);
  return last ? audioConnectionAddress(bodyOf(last.raw)) : undefined;
}
