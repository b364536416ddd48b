import { isPrivate, isPublic } from "./address.js";
import { type CaptureInfo, endpoint, pushTo, evidence, type Finding, seconds } from "./finding.js";
import type { InspectPacket } from "./packets.js";
import { transactions } from "./sip.js";

// RTP that never comes back (one-way audio) or stops while the call goes on. A stream is one SSRC; its
// copies at several interfaces (and before and after a NAT) are one stream, counted by sequence number.
// A stream has an answer when RTP comes back to the address and port it was sent from, at any point the
// capture saw it.

export interface Stream {
  readonly ssrc: string;
  readonly packets: readonly InspectPacket[];
  /** Each hop it was seen on: source → destination. */
  readonly hops: readonly string[];
  readonly first: InspectPacket;
  readonly last: InspectPacket;
  readonly distinct: number;
}

export interface Call {
  readonly callId: string;
  readonly answered: number;
  /** The first BYE, or the end of the capture. */
  readonly end: number;
  readonly bye: InspectPacket | null;
}

/** Gaps shorter than this are a stream's pauses, not its end (a phone's RTP timeout is longer still). */
export const STOPPED_S = 2;
/** A stream shorter than this says nothing of one-way audio. */
const MIN_PACKETS = 25;

export function streams(packets: readonly InspectPacket[]): Stream[] {
  const by = new Map<string, InspectPacket[]>();
  for (const p of packets) if (p.rtp && !p.sip && !p.stun && p.transport === "udp") pushTo(by, p.rtp.ssrc, p);
  return [...by.entries()].map(([ssrc, ps]) => {
    const sorted = ps.sort((a, b) => a.time - b.time || a.no - b.no);
    return {
      ssrc,
      packets: sorted,
      hops: [...new Set(sorted.map((p) => `${endpoint(p.src, p.sport)} → ${endpoint(p.dst, p.dport)}`))],
      first: sorted[0]!,
      last: sorted.at(-1)!,
      distinct: new Set(sorted.map((p) => p.rtp!.seq)).size,
    };
  });
}

export function calls(packets: readonly InspectPacket[], end: number): Call[] {
  const ts = transactions(packets);
  const out = new Map<string, Call>();
  for (const t of ts) {
    if (t.method !== "INVITE" || !t.final || (t.final.sip.status ?? 0) >= 300 || out.has(t.callId)) continue;
    const bye = ts.find((b) => b.callId === t.callId && b.method === "BYE")?.requests[0] ?? null;
    out.set(t.callId, { callId: t.callId, answered: t.final.time, end: bye?.time ?? end, bye });
  }
  return [...out.values()];
}

/** Whether RTP came back to where this stream was sent from, on any hop. */
function answered(s: Stream, arrivals: ReadonlyMap<string, ReadonlySet<string>>): boolean {
  for (const from of new Set(s.packets.map((p) => endpoint(p.src, p.sport)))) for (const ssrc of arrivals.get(from) ?? []) if (ssrc !== s.ssrc) return true;
  return false;
}

/** The last packet of a stream no later than `end`. */
function lastBy(s: Stream, end: number): InspectPacket | undefined {
  for (let i = s.packets.length - 1; i >= 0; i--) if (s.packets[i]!.time <= end) return s.packets[i];
  return undefined;
}

export function rtpFindings(packets: readonly InspectPacket[], info: CaptureInfo): Finding[] {
  const ss = streams(packets);
  // Which SSRCs arrived at each address and port.
  const arrivals = new Map<string, Set<string>>();
  for (const s of ss)
    for (const p of s.packets) {
      const to = endpoint(p.dst, p.dport);
      let set = arrivals.get(to);
      if (!set) arrivals.set(to, (set = new Set()));
      set.add(s.ssrc);
    }
  const cs = calls(packets, info.end);
  const out: Finding[] = [];
  const callOf = (s: Stream): Call | undefined =>
    cs.filter((c) => c.answered - 1 <= s.first.time && s.first.time <= c.end).sort((a, b) => b.answered - a.answered)[0];
  for (const s of ss) {
    if (s.distinct < MIN_PACKETS || answered(s, arrivals)) continue;
    const call = callOf(s);
    const toPrivate = s.packets.some((p) => isPublic(p.src) && isPrivate(p.dst));
    const origin = s.first;
    // "Nothing came back" means something only if the capture sees that direction at all: packets
    // reaching the sender's addresses while the stream ran (its SIP answers, say).
    const senders = new Set(s.packets.map((p) => p.src));
    const inbound = packets.filter((p) => senders.has(p.dst) && !p.rtp && p.time >= s.first.time - 30 && p.time <= s.last.time + 30);
    out.push({
      family: "rtp",
      id: "rtp-one-way",
      severity: "problem",
      title: `one-way audio: RTP from ${endpoint(origin.src, origin.sport)} to ${endpoint(origin.dst, origin.dport)} (SSRC ${s.ssrc}, ${s.distinct} packets over ${seconds(s.last.time - s.first.time)}), none came back`,
      detail: [
        `No RTP reached ${[...new Set(s.packets.map((p) => endpoint(p.src, p.sport)))].join(" or ")} from anywhere while this stream was sent${call ? ` (call ${call.callId})` : ""}.`,
        s.hops.length > 1 ? `The stream was seen on ${s.hops.length} hops: ${s.hops.join("; ")}.` : "",
        toPrivate ? "It was sent from a public address to a private one, which no router on the internet delivers." : "",
        inbound.length > 0
          ? `The capture does see what reaches ${[...senders].join(" and ")}: ${inbound.length} other packet(s) around the call (frame ${inbound[0]!.no}, ${inbound[0]!.sip ? "SIP" : inbound[0]!.protocols.at(-1)}).`
          : `The capture holds nothing at all sent to ${[...senders].join(" or ")}: whether RTP came back cannot be told from here (a capture at the sender, or one that sees both directions, would say).`,
      ]
        .filter(Boolean)
        .join(" "),
      evidence: [
        evidence(s.first, info.start, `RTP first packet (seq ${s.first.rtp!.seq})`),
        evidence(s.last, info.start, `RTP last packet (seq ${s.last.rtp!.seq})`),
      ],
      facts: { kind: "one-way", from: endpoint(origin.src, origin.sport), to: endpoint(origin.dst, origin.dport), toPrivate, inboundSeen: inbound.length },
    });
  }
  for (const s of ss) {
    if (s.distinct < MIN_PACKETS) continue;
    const call = callOf(s);
    // Others still sending after this one stopped (the same call's other direction, on any hop).
    const later = ss
      .filter((o) => o !== s && o.first.time < s.last.time)
      .map((o) => lastBy(o, call?.end ?? Number.POSITIVE_INFINITY))
      .filter((p): p is InspectPacket => p !== undefined && p.time > s.last.time + STOPPED_S)
      .sort((a, b) => a.time - b.time);
    const gapToBye = call?.bye ? call.bye.time - s.last.time : null;
    if (!(gapToBye !== null && gapToBye > STOPPED_S) && later.length === 0) continue;
    const ran = s.last.time - s.first.time;
    const until =
      gapToBye !== null && gapToBye > STOPPED_S
        ? `${seconds(gapToBye)} before the BYE`
        : `while other RTP went on for ${seconds(later.at(-1)!.time - s.last.time)}`;
    out.push({
      family: "rtp",
      id: "rtp-stops",
      severity: "problem",
      title: `RTP from ${endpoint(s.first.src, s.first.sport)} to ${endpoint(s.first.dst, s.first.dport)} stopped after ${seconds(ran)}, ${until}`,
      detail: `SSRC ${s.ssrc}: ${s.distinct} packets from ${seconds(s.first.time - info.start)} to ${seconds(s.last.time - info.start)} into the capture${call ? ` (call ${call.callId})` : ""}; then nothing. Audio that stops in the middle of a call is a flow cut on the way (a late DPI verdict, a NAT mapping that expired, a re-INVITE to a port nobody opened).`,
      evidence: [
        evidence(s.first, info.start, `RTP first packet (seq ${s.first.rtp!.seq})`),
        evidence(s.last, info.start, `RTP last packet (seq ${s.last.rtp!.seq})`),
        ...(call?.bye ? [evidence(call.bye, info.start, "BYE")] : later[0] ? [evidence(later.at(-1)!, info.start, "other RTP still flowing")] : []),
      ],
      facts: { kind: "rtp-stops", afterSeconds: ran, transport: "udp" },
    });
  }
  return out;
}
