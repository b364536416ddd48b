// Every SIP message an agent sent or received, with timestamps: the evidence behind a call outcome.
export interface SipTraceEntry {
  /** Wall-clock time, ms since the epoch, so ladders from several agents line up. */
  readonly at: number;
  readonly direction: "sent" | "received";
  /** The other end of the hop ("ip:port"). */
  readonly peer: string;
  readonly callId: string;
  readonly firstLine: string;
  readonly cseq: string;
  readonly raw: string;
  /** True for a retransmission sent by the transport's RFC 3261 timers. */
  readonly retransmission?: boolean;
}

/** A traced message's body: what follows the blank line after its headers ("" when there is none). */
export function bodyOf(raw: string): string {
  const at = raw.indexOf("\r\n\r\n");
  return at < 0 ? "" : raw.slice(at + 4);
}

export function headerValue(raw: string, ...names: string[]): string {
  const end = raw.indexOf("\r\n\r\n");
  const head = end < 0 ? raw : raw.slice(0, end);
  for (const line of head.split("\r\n").slice(1)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (names.includes(name)) return line.slice(colon + 1).trim();
  }
  return "";
}

export function traceEntry(direction: SipTraceEntry["direction"], peer: string, raw: string, retransmission = false): SipTraceEntry {
  return {
    at: Date.now(),
    direction,
    peer,
    callId: headerValue(raw, "call-id", "i"),
    firstLine: raw.slice(0, Math.max(0, raw.indexOf("\r\n"))),
    cseq: headerValue(raw, "cseq"),
    raw,
    ...(retransmission ? { retransmission } : {}),
  };
}
