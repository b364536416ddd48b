// When an answered call's ACK and BYE came, read from the answering agent's own trace. RFC 3261 §13.3.1.4:
// the UAS retransmits its 2xx until the ACK arrives; with none for 64·T1 (32 s) it ends the call with a
// BYE. "Calls that drop after 32 seconds" are that: an ACK lost on its way to the phone.
import type { SipTraceEntry } from "../agent/sip-trace.js";

export interface AnswerTiming {
  /** When the first 2xx to the INVITE left (ms since the epoch). */
  readonly answeredAt: number;
  /** How many times the 2xx was sent, the first included: more than one means it waited for an ACK. */
  readonly answersSent: number;
  /** When the ACK for that 2xx arrived, or null. */
  readonly ackAt: number | null;
  readonly byeSentAt: number | null;
  readonly byeReceivedAt: number | null;
}

const cseqNumber = (cseq: string): string => cseq.trim().split(/\s+/)[0] ?? "";
const cseqMethod = (cseq: string): string => (cseq.trim().split(/\s+/)[1] ?? "").toUpperCase();

/**
 * The timing of the initial INVITE's answer in `callId`, seen from the agent that answered it: null when
 * this agent sent no 2xx to that INVITE (it placed the call, or never answered).
 */
export function answerTiming(trace: readonly SipTraceEntry[], callId: string): AnswerTiming | null {
  const call = trace.filter((e) => e.callId === callId);
  const invite = call.find((e) => e.direction === "received" && e.firstLine.startsWith("INVITE "));
  if (!invite) return null;
  const seq = cseqNumber(invite.cseq);
  const answers = call.filter(
    (e) => e.direction === "sent" && /^SIP\/2\.0 2\d\d/.test(e.firstLine) && cseqMethod(e.cseq) === "INVITE" && cseqNumber(e.cseq) === seq,
  );
  const first = answers[0];
  if (!first) return null;
  const after = (e: SipTraceEntry): boolean => e.at >= first.at;
  const ack = call.find((e) => e.direction === "received" && e.firstLine.startsWith("ACK ") && cseqNumber(e.cseq) === seq && after(e));
  const bye = (direction: SipTraceEntry["direction"]): number | null =>
    call.find((e) => e.direction === direction && e.firstLine.startsWith("BYE ") && after(e))?.at ?? null;
  return { answeredAt: first.at, answersSent: answers.length, ackAt: ack?.at ?? null, byeSentAt: bye("sent"), byeReceivedAt: bye("received") };
}
