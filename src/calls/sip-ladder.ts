import type { SipTraceEntry } from "./outcome.js";

/** A readable SIP ladder from one or more agents' traces, in time order: the report's evidence. */
export function sipLadder(traces: Record<string, readonly SipTraceEntry[]>): string {
  const rows = Object.entries(traces).flatMap(([agent, entries]) => entries.map((e) => ({ agent, e })));
  rows.sort((a, b) => a.e.at - b.e.at);
  const t0 = rows[0]?.e.at ?? 0;
  return rows
    .map(({ agent, e }) => {
      const arrow = e.direction === "sent" ? `${agent} → ${e.peer}` : `${agent} ← ${e.peer}`;
      return `${String(e.at - t0).padStart(7)} ms  ${arrow.padEnd(36)} ${e.firstLine}${e.retransmission ? "  (retransmission)" : ""}`;
    })
    .join("\n");
}

/** The full messages, for when the ladder is not enough. */
export function sipMessages(entries: readonly SipTraceEntry[]): string {
  return entries.map((e) => `----- ${new Date(e.at).toISOString()} ${e.direction} ${e.peer}\n${e.raw}`).join("\n");
}
