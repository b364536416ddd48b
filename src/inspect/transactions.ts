import { type CaptureInfo, count, evidence, type Finding, seconds, seenAt, stoppedIn } from "./finding.js";
import type { InspectPacket } from "./packets.js";
import { messageSize, type Transaction, transactions } from "./sip.js";
import { carrier } from "./stun.js";

// SIP requests sent again and again that end in 408 or in nothing: RFC 3261 §17.1.1.2 retransmits an
// INVITE over UDP at 0.5, 1, 2, 4… s and gives up after Timer B (64·T1 = 32 s); other requests likewise
// under Timer F. What the request was (its size, whether it went in fragments) and how far it got say
// why.

/** RFC 3261's Timer B / Timer F with T1 = 500 ms. */
export const TIMER_B_S = 32;

function ending(t: Transaction): "nothing" | "408" | "provisional-only" | null {
  if (t.final?.sip.status === 408) return "408";
  if (t.final) return null;
  return t.responses.length > 0 ? "provisional-only" : "nothing";
}

export function transactionFindings(packets: readonly InspectPacket[], info: CaptureInfo): Finding[] {
  const out: Finding[] = [];
  const all = transactions(packets);
  const answeredFrom = new Map<string, number>();
  for (const t of all) if (t.responses.length > 0) answeredFrom.set(t.requests[0]!.src, (answeredFrom.get(t.requests[0]!.src) ?? 0) + 1);
  for (const t of all) {
    const end = ending(t);
    if (end === null) continue;
    const first = t.requests[0]!;
    const over = carrier(first);
    const tries = t.transmissions.length;
    const lastTry = t.transmissions.at(-1)![0]!;
    const span = lastTry.time - first.time;
    const left = info.end - lastTry.time;
    // One copy of a request over a stream transport, or a last request just before the capture ended, may simply be unanswered yet.
    if (end !== "408" && tries < 2 && !(over !== "udp" && left >= TIMER_B_S)) continue;
    const fragmented = t.requests.some((r) => r.fragment !== null);
    const size = Math.max(...t.requests.map(messageSize));
    const where = seenAt(t.requests);
    const stuck = stoppedIn(t.requests, info, packets).map((s) => s.text);
    const gaveUp = span >= TIMER_B_S - 2 || (end === "nothing" && left >= TIMER_B_S - span);
    // The positive control for "no answer": answers to the same sender's other requests were captured.
    const others = end === "nothing" ? (answeredFrom.get(first.src) ?? 0) : 0;
    const timer = t.method === "INVITE" ? "Timer B" : "Timer F";
    const how =
      end === "408"
        ? `answered 408 Request Timeout${t.final!.src !== first.dst ? ` by ${t.final!.src}` : ""}`
        : end === "provisional-only"
          ? `only provisional answers (${[...new Set(t.responses.map((r) => r.sip.status))].join(", ")}), no final one`
          : gaveUp
            ? `never answered: the sender gave up (${timer}, ${TIMER_B_S} s)`
            : `not answered by the end of the capture (${seconds(left)} after the last try)`;
    out.push({
      family: "transactions",
      id: "sip-timeout",
      severity: "problem",
      title: `${t.method} (Call-ID ${t.callId}) from ${first.src} to ${first.dst} over ${over.toUpperCase()}: ${count(tries, "transmission")} in ${seconds(span)}, ${end === "408" ? "408 Request Timeout" : end === "provisional-only" ? "no final answer" : "no answer"}`,
      detail: [
        `CSeq ${t.cseq}, ${size} bytes${fragmented ? ", sent in IP fragments" : ""}: ${how}.`,
        stuck.length > 0 ? `It went into ${stuck.join("; ")}.` : where.length > 0 ? `Captured at ${where.join(", ")}.` : "",
        end !== "nothing"
          ? ""
          : others > 0
            ? `Answers to ${count(others, "other request")} from ${first.src} were captured, so the capture does see what comes back.`
            : `No answer to anything from ${first.src} is in the capture: it may not see that direction at all.`,
      ]
        .filter(Boolean)
        .join(" "),
      evidence: [
        ...t.transmissions
          .slice(0, 2)
          .map((copies, i) => evidence(copies[0]!, info.start, `${t.method} ${i === 0 ? "sent" : "sent again"}${fragmented ? " (fragmented)" : ""}`)),
        ...(tries > 2 ? [evidence(lastTry, info.start, `${t.method} sent the ${tries}th time`)] : []),
        ...(t.responses[0]
          ? [evidence(t.responses[0], info.start, `${t.responses[0].sip.status} ${end === "408" ? "Request Timeout" : "(provisional)"}`)]
          : []),
        ...(t.final && t.final !== t.responses[0] ? [evidence(t.final, info.start, `${t.final.sip.status}`)] : []),
      ],
      facts: {
        kind: "sip-timeout",
        from: first.src,
        to: first.dst,
        callId: t.callId,
        method: t.method,
        transport: over,
        ending: end,
        fragmented,
        size,
        transaction: t.key,
      },
    });
  }
  return out;
}
