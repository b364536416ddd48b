import type { InspectPacket } from "./packets.js";

// SIP as the inspector groups it: transactions (RFC 3261 §17: the top Via's branch and the CSeq method),
// each with the copies of its request and its responses, across every interface that saw them. A NAT
// or an ALG rewrites addresses, never the branch, Call-ID or CSeq, so one transaction is followed through
// boxes; a proxy forwards it under a branch of its own, so each hop of a proxied request is its own
// transaction.

export interface SipPacket extends InspectPacket {
  readonly sip: NonNullable<InspectPacket["sip"]>;
  readonly addressing: NonNullable<InspectPacket["addressing"]>;
}

export function sipPackets(packets: readonly InspectPacket[]): SipPacket[] {
  return packets.filter((p): p is SipPacket => p.sip !== null && p.addressing !== null);
}

export interface Transaction {
  readonly key: string;
  readonly callId: string;
  readonly method: string;
  readonly cseq: string;
  /** Every copy of the request, at every interface, in time order. */
  readonly requests: readonly SipPacket[];
  /** Copies grouped into transmissions: a retransmission starts a new group (copies of one are within 0.2 s). */
  readonly transmissions: readonly (readonly SipPacket[])[];
  readonly responses: readonly SipPacket[];
  readonly final: SipPacket | null;
}

/** Copies of one transmission seen on several interfaces are microseconds apart; RFC 3261's T1 is 500 ms. */
const SAME_TRANSMISSION_S = 0.2;

function transactionKey(p: SipPacket): string | null {
  const top = p.addressing.via[0];
  if (!top?.branch) return null;
  const method = p.sip.cseq.split(" ")[1] ?? p.sip.method;
  // An ACK to a non-2xx answer shares the INVITE's branch; it is no request of its own to wait on.
  return `${p.sip.callId}\u0000${p.sip.cseq.split(" ")[0]}\u0000${method === "ACK" ? "INVITE" : method}\u0000${top.branch}`;
}

export function transactions(packets: readonly InspectPacket[]): Transaction[] {
  const groups = new Map<string, { requests: SipPacket[]; responses: SipPacket[] }>();
  for (const p of sipPackets(packets).sort((a, b) => a.time - b.time || a.no - b.no)) {
    if (p.sip.status === null && p.sip.method === "ACK") continue;
    const key = transactionKey(p);
    if (key === null) continue;
    const g = groups.get(key) ?? { requests: [], responses: [] };
    (p.sip.status === null ? g.requests : g.responses).push(p);
    groups.set(key, g);
  }
  const out: Transaction[] = [];
  for (const [key, g] of groups) {
    const first = g.requests[0];
    if (!first) continue;
    const transmissions: SipPacket[][] = [];
    for (const r of g.requests) {
      const last = transmissions.at(-1);
      if (last && r.time - last[0]!.time <= SAME_TRANSMISSION_S) last.push(r);
      else transmissions.push([r]);
    }
    out.push({
      key,
      callId: first.sip.callId,
      method: first.sip.method,
      cseq: first.sip.cseq,
      requests: g.requests,
      transmissions,
      responses: g.responses,
      final: g.responses.find((r) => (r.sip.status ?? 0) >= 200) ?? null,
    });
  }
  return out;
}

/** The request's sender as first seen: before any NAT on its way, when the capture holds that side. */
export function origin(t: Transaction): SipPacket {
  return t.requests[0]!;
}

/** A SIP message's size on the wire: the UDP datagram, or the IP packet for TCP. */
export function messageSize(p: InspectPacket): number {
  return p.udpLength ?? p.length;
}

export function sipLabel(p: SipPacket): string {
  return p.sip.status === null ? p.sip.method : `${p.sip.status} (${p.sip.method})`;
}
