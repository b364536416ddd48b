import type { IceCandidateInfo, IceReport, StateChange } from "../calls/ice-report.js";
import type { CallOutcome } from "../calls/outcome.js";
import type { Packet } from "./dissect.js";

// A call over time, as data: what the agents said of ICE and DTLS (their own reports, timestamped with
// the wall clock, which the containers share with the capture), and what the capture shows of the media,
// second by second. Pure: built from the agents' JSON and tshark's dissection, tested on real runs.

/** What the user agents reported, as the scenario hooks collect it (and write beside the capture as `<base>-agents.json`). */
export type AgentsReport = Readonly<
  Record<string, { readonly calls: readonly CallOutcome[]; readonly ice: ReadonlyArray<{ readonly callId: string; readonly ice: IceReport }> }>
>;

/** One captured interface (a ladder column has these fields). */
export interface TimelineInterface {
  readonly label: string;
  readonly node: string;
  readonly mac: string;
}

export interface CallParty {
  readonly agent: string;
  readonly outcome: CallOutcome;
  readonly ice: IceReport | null;
}

export interface AgentCall {
  readonly callId: string;
  readonly parties: readonly CallParty[];
}

/** Every call some agent reported, with each agent that took part (the same SIP Call-ID on both ends). */
export function callsOf(agents: AgentsReport): AgentCall[] {
  const byId = new Map<string, CallParty[]>();
  for (const [agent, r] of Object.entries(agents)) {
    for (const outcome of r.calls) {
      const ice = r.ice.find((i) => i.callId === outcome.callId)?.ice ?? null;
      const list = byId.get(outcome.callId) ?? [];
      list.push({ agent, outcome, ice });
      byId.set(outcome.callId, list);
    }
  }
  return [...byId].map(([callId, parties]) => ({ callId, parties }));
}

/** Calls worth a timeline: answered, or with ICE to show (a call rejected outright has neither media nor ICE). */
export function callsWithMedia(agents: AgentsReport): AgentCall[] {
  return callsOf(agents).filter((c) => c.parties.some((p) => p.outcome.established || p.ice));
}

export interface StateSpan {
  /** Seconds from the timeline's origin. */
  readonly from: number;
  readonly to: number;
  readonly state: string;
}

export type LaneName = StateChange["what"];

export interface StateLane {
  readonly what: LaneName;
  readonly spans: readonly StateSpan[];
}

export type CheckKind = "request-sent" | "response-received" | "request-received";

export interface PairRow {
  readonly local: IceCandidateInfo | null;
  readonly remote: IceCandidateInfo | null;
  /** The candidate ids, when a candidate is not among the report's (it left the stats). */
  readonly localId: string;
  readonly remoteId: string;
  readonly state: string;
  readonly nominated: boolean;
  readonly requestsSent: number;
  readonly responsesReceived: number;
  readonly requestsReceived: number;
  readonly rttMs: number | null;
  /** When this pair was the selected one (from the agent's selected-pair entries). */
  readonly selected: readonly { readonly from: number; readonly to: number }[];
  /** Its connectivity checks (STUN Binding) as the capture shows them with the pair's addresses (see checksOf). */
  readonly checks: readonly { readonly t: number; readonly kind: CheckKind }[];
  /** The interface those checks were read at; null: none seen with these addresses (the counts are the agent's). */
  readonly checksAt: string | null;
}

export interface AgentIce {
  readonly agent: string;
  readonly lanes: readonly StateLane[];
  readonly pairs: readonly PairRow[];
  readonly gatheringErrors: readonly { readonly t: number; readonly text: string }[];
}

export interface SecondBucket {
  /** The second's start, in seconds from the origin. */
  readonly t: number;
  /** RTP packets that left the sender's interface. */
  readonly sent: number;
  /** RTP packets that reached the receiver's interface. */
  readonly received: number;
  /** Sequence numbers missing at the receiver in this second (RFC 3550 A.3 per interval; never below 0). */
  readonly lost: number;
  /** RFC 3550 interarrival jitter after the second's last packet, ms; null: none arrived. */
  readonly jitterMs: number | null;
  /** The same at the sender's interface: the sender's own pacing, which the receiver's figure includes. */
  readonly sentJitterMs: number | null;
}

export interface MediaDirection {
  readonly from: string;
  readonly to: string;
  /** Where it was counted as sent: the sender's interfaces, or where a TURN-TCP/TLS sender's media first shows as RTP. */
  readonly sentAt: readonly string[];
  /** Where loss and jitter are measured: the receiver's interfaces, or the last place a TURN-TCP/TLS receiver's media shows as RTP. */
  readonly measuredAt: readonly string[];
  readonly ssrcs: readonly string[];
  /** Of the stream's RTP clock (Hz): from the payload type when static, else measured and rounded to a usual rate. */
  readonly clockRate: number | null;
  readonly sent: number;
  readonly received: number;
  readonly lost: number;
  /** Seconds from the origin. */
  readonly firstReceived: number | null;
  readonly lastReceived: number | null;
  readonly lastSent: number | null;
  /**
   * Where counting stopped: the earlier of the two captures' ends, when it came before the call's end
   * (seconds from the origin; else null). Nothing after it is counted at either end.
   */
  readonly captureEnded: number | null;
  /** The stream was still arriving when a capture ended: it is not called stopped. */
  readonly flowingAtCaptureEnd: boolean;
  /** How long the sender went on sending after the last packet arrived; null when nothing arrived or it was still flowing at the capture's end. */
  readonly sentAfterStop: number | null;
  /** From the last packet received to the call's end; null when the call had not ended, nothing arrived, or it was still flowing at the capture's end. */
  readonly stoppedBeforeEnd: number | null;
  readonly seconds: readonly SecondBucket[];
}

export interface CallTimeline {
  readonly callId: string;
  /** The first party's INVITE, seconds since the epoch: every other time is relative to it. */
  readonly origin: number;
  /** The end of the view, seconds from the origin. */
  readonly until: number;
  readonly parties: readonly string[];
  /** 200 OK, seconds from the origin; null when never answered. */
  readonly answered: number | null;
  /** The first BYE either party sent or received; null when the call was still up when the capture stopped. */
  readonly ended: number | null;
  readonly ice: readonly AgentIce[];
  readonly media: readonly MediaDirection[];
  readonly notes: readonly string[];
}

/** Packets outside [start − LEAD, end + TAIL] belong to another call (or to none). */
const LEAD_S = 1;
const TAIL_S = 2;
/** A stream whose last packet came this close to the capture's end was still flowing then. */
const FLOWING_S = 0.5;
const STATIC_CLOCK: Record<number, number> = { 0: 8000, 3: 8000, 4: 8000, 8: 8000, 9: 8000, 18: 8000 };
const USUAL_CLOCKS = [8000, 16000, 32000, 44100, 48000, 90000];
const LANES: readonly LaneName[] = ["signaling", "gathering", "ice", "connection", "dtls", "selected-pair"];

function ifacesOf(agent: string, interfaces: readonly TimelineInterface[]): Map<string, string> {
  return new Map(interfaces.filter((i) => i.node === agent).map((i) => [i.label, i.mac]));
}

/** A packet the agent's own interface sent (its MAC the source) or received (its MAC the destination). */
function sideOf(p: Packet, ifaces: Map<string, string>): "out" | "in" | null {
  const mac = ifaces.get(p.iface);
  if (mac === undefined) return null;
  return p.ethSrc === mac ? "out" : p.ethDst === mac ? "in" : null;
}

function lanesOf(ice: IceReport, origin: number, until: number): StateLane[] {
  const lanes: StateLane[] = [];
  for (const what of LANES) {
    const changes = ice.timeline.filter((s) => s.what === what).sort((a, b) => a.at - b.at);
    if (changes.length === 0) continue;
    const spans = changes.map((c, i) => ({
      from: c.at / 1000 - origin,
      to: i + 1 < changes.length ? changes[i + 1]!.at / 1000 - origin : until,
      state: c.state,
    }));
    lanes.push({ what, spans });
  }
  return lanes;
}

/** STUN Binding requests and successes by the endpoints they went between (`src>dst`), on every interface. */
type BindingIndex = Map<string, Array<{ readonly t: number; readonly iface: string; readonly request: boolean }>>;

function bindingIndex(packets: readonly Packet[], origin: number): BindingIndex {
  const index: BindingIndex = new Map();
  for (const p of packets) {
    const request = p.stun?.type === "Binding request";
    if (!request && p.stun?.type !== "Binding success") continue;
    const k = `${p.src}:${p.sport}>${p.dst}:${p.dport}`;
    const list = index.get(k) ?? [];
    list.push({ t: p.time - origin, iface: p.iface, request });
    index.set(k, list);
  }
  return index;
}

/**
 * A pair's checks where the network carries them with the pair's own addresses: at the agent's interface
 * for a host candidate, at its NAT's outside for a server-reflexive one, at the TURN server for a relay
 * one (the server sends the check on from the relayed address). Each check crosses several interfaces;
 * one is kept: the agent's own when it is there, else the one that carried most of them. A check whose
 * addresses two pairs share on the wire (a host and a server-reflexive candidate on one socket, or one
 * pair's check after the far NAT and another's before it) is shown on both: the wire cannot tell them
 * apart, and the counts beside each pair are the agent's own.
 */
function checksOf(
  local: IceCandidateInfo,
  remote: IceCandidateInfo,
  index: BindingIndex,
  ownIfaces: ReadonlySet<string>,
): { at: string | null; checks: Array<{ t: number; kind: CheckKind }> } {
  const l = `${local.address}:${local.port}`;
  const r = `${remote.address}:${remote.port}`;
  const out = index.get(`${l}>${r}`) ?? [];
  const back = index.get(`${r}>${l}`) ?? [];
  const count = new Map<string, number>();
  for (const x of [...out, ...back]) count.set(x.iface, (count.get(x.iface) ?? 0) + 1);
  const ranked = [...count].sort((a, b) => Number(ownIfaces.has(b[0])) - Number(ownIfaces.has(a[0])) || b[1] - a[1] || a[0].localeCompare(b[0]));
  const at = ranked[0]?.[0] ?? null;
  const checks: Array<{ t: number; kind: CheckKind }> = [];
  for (const x of out) if (x.iface === at && x.request) checks.push({ t: x.t, kind: "request-sent" });
  for (const x of back) if (x.iface === at) checks.push({ t: x.t, kind: x.request ? "request-received" : "response-received" });
  return { at, checks: checks.sort((a, b) => a.t - b.t) };
}

function pairRows(ice: IceReport, origin: number, until: number, index: BindingIndex, ownIfaces: ReadonlySet<string>): PairRow[] {
  const byId = new Map<string, IceCandidateInfo>();
  for (const c of ice.localCandidates) byId.set(c.id, c);
  for (const c of ice.remoteCandidates) byId.set(c.id, c);
  const picks = ice.timeline.filter((s) => s.what === "selected-pair").sort((a, b) => a.at - b.at);
  return ice.pairs.map((pair) => {
    const local = byId.get(pair.local) ?? null;
    const remote = byId.get(pair.remote) ?? null;
    const selected: Array<{ from: number; to: number }> = [];
    picks.forEach((s, i) => {
      if (s.pair?.local !== pair.local || s.pair.remote !== pair.remote) return;
      selected.push({ from: s.at / 1000 - origin, to: i + 1 < picks.length ? picks[i + 1]!.at / 1000 - origin : until });
    });
    // A pair the agent never checked gets none of the wire's checks: they are another pair's with the
    // same addresses there (a server-reflexive candidate's checks leave from its host base).
    const checked = pair.requestsSent + pair.responsesReceived + pair.requestsReceived > 0;
    const placed = local && remote && checked ? checksOf(local, remote, index, ownIfaces) : { at: null, checks: [] };
    return {
      local,
      remote,
      localId: pair.local,
      remoteId: pair.remote,
      state: pair.state,
      nominated: pair.nominated,
      requestsSent: pair.requestsSent,
      responsesReceived: pair.responsesReceived,
      requestsReceived: pair.requestsReceived,
      rttMs: pair.rttMs,
      selected,
      checks: placed.checks,
      checksAt: placed.at,
    };
  });
}

/** RFC 3550 receiver state of one SSRC at the receiving interface. */
class StreamState {
  highest: number | null = null;
  jitter = 0;
  private lastTransit: number | null = null;

  constructor(readonly clockRate: number | null) {}

  /** Records one packet; returns how many sequence numbers it skipped past the highest seen. */
  record(seq: number, timestamp: number, arrival: number): number {
    let gap = 0;
    if (this.highest === null) this.highest = seq;
    else {
      const cycle = this.highest - (this.highest & 0xffff);
      let ext = cycle + seq;
      if (ext - this.highest > 0x8000) ext -= 0x10000;
      else if (this.highest - ext > 0x8000) ext += 0x10000;
      if (ext > this.highest) {
        gap = ext - this.highest - 1;
        this.highest = ext;
      }
    }
    if (this.clockRate !== null) {
      const transit = arrival * this.clockRate - timestamp;
      if (this.lastTransit !== null) {
        let d = transit - this.lastTransit;
        if (d > 2 ** 31) d -= 2 ** 32;
        else if (d < -(2 ** 31)) d += 2 ** 32;
        this.jitter += (Math.abs(d) - this.jitter) / 16;
      }
      this.lastTransit = transit;
    }
    return gap;
  }

  jitterMs(): number | null {
    return this.clockRate === null ? null : (this.jitter * 1000) / this.clockRate;
  }
}

/** The RTP clock of a stream: a static payload type's, else timestamp advance over arrival time, rounded to a usual rate. */
export function clockRateOf(stream: readonly Packet[]): number | null {
  const first = stream[0];
  if (!first?.rtp) return null;
  const known = STATIC_CLOCK[first.rtp.payloadType];
  if (known) return known;
  const last = stream.at(-1)!;
  const dt = last.time - first.time;
  if (dt < 0.2) return null;
  let dts = last.rtp!.timestamp - first.rtp.timestamp;
  if (dts < 0) dts += 2 ** 32;
  const measured = dts / dt;
  return USUAL_CLOCKS.reduce((best, c) => (Math.abs(c - measured) < Math.abs(best - measured) ? c : best));
}

/**
 * Whether the agent's media rides TURN over TCP or TLS (its selected local candidate): its interface then
 * shows no usable RTP. TLS is encrypted (libwebrtc's TURN keys are in no key log); over TCP several
 * ChannelData frames share a segment and tshark decodes few of them as RTP.
 */
function framedRelay(party: CallParty): "tcp" | "tls" | null {
  const local = party.ice?.selected?.local;
  return local?.type === "relay" && (local.relayProtocol === "tcp" || local.relayProtocol === "tls") ? local.relayProtocol : null;
}

/** The interface most packets of `ssrcs` were first (`earliest`) or last seen at, among `candidates`. */
function hopOf(packets: readonly Packet[], ssrcs: ReadonlySet<string>, earliest: boolean): string | null {
  const seen = new Map<string, Packet>();
  for (const p of packets) {
    if (!p.rtp || p.transport !== "udp" || !ssrcs.has(p.rtp.ssrc)) continue;
    const k = `${p.rtp.ssrc}|${p.rtp.seq}`;
    const prev = seen.get(k);
    if (!prev || (earliest ? p.time < prev.time : p.time > prev.time)) seen.set(k, p);
  }
  const votes = new Map<string, number>();
  for (const p of seen.values()) votes.set(p.iface, (votes.get(p.iface) ?? 0) + 1);
  return [...votes].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? null;
}

function mediaDirection(
  from: CallParty,
  to: CallParty,
  packets: readonly Packet[],
  interfaces: readonly TimelineInterface[],
  origin: number,
  until: number,
  ended: number | null,
  lastSeen: ReadonlyMap<string, number>,
): { direction: MediaDirection; notes: string[] } {
  const notes: string[] = [];
  const macs = new Map(interfaces.map((i) => [i.label, i.mac]));
  const fromIfaces = ifacesOf(from.agent, interfaces);
  const toIfaces = ifacesOf(to.agent, interfaces);
  const rtp = packets.filter((p) => p.rtp);
  const visible = (ifaces: Map<string, string>): Set<string> => new Set(rtp.filter((p) => sideOf(p, ifaces) === "out").map((p) => p.rtp!.ssrc));
  const fromRelay = framedRelay(from);
  const toRelay = framedRelay(to);
  let ssrcs = visible(fromIfaces);
  if (fromRelay && !toRelay) {
    // What the sender's interface hides: every stream of the call but the receiver's own.
    const own = visible(toIfaces);
    ssrcs = new Set([...ssrcs, ...rtp.map((p) => p.rtp!.ssrc).filter((x) => !own.has(x))]);
  }
  const arriving = (p: Packet): boolean => p.ethDst === macs.get(p.iface);
  const leaving = (p: Packet): boolean => p.ethSrc === macs.get(p.iface);

  let sentAt = [...fromIfaces.keys()];
  if (fromRelay) {
    const hop = hopOf(
      rtp.filter((p) => leaving(p) && !fromIfaces.has(p.iface)),
      ssrcs,
      true,
    );
    sentAt = hop ? [hop] : [];
    notes.push(
      `${from.agent} → ${to.agent}: ${from.agent} sends over TURN/${fromRelay}, which its interface does not show as RTP; counted as sent at ${hop ?? "(nowhere: not seen)"}, where the relay puts it out as RTP`,
    );
  }
  let measuredAt = [...toIfaces.keys()];
  if (toRelay) {
    const hop = hopOf(
      rtp.filter((p) => arriving(p) && !toIfaces.has(p.iface)),
      ssrcs,
      false,
    );
    measuredAt = hop ? [hop] : [];
    notes.push(
      `${from.agent} → ${to.agent}: ${to.agent} receives over TURN/${toRelay}, which its interface does not show as RTP; measured at ${hop ?? "(nowhere: not seen)"}, the last place it is plain RTP (the ${toRelay.toUpperCase()} leg's delay and loss are not in these numbers; ${to.agent}'s own statistics in its ICE report are)`,
    );
  }
  // The captures stop one by one at the scenario's end: both ends are counted only while both captures
  // ran, up to the earlier of their ends when that came before the call's end (for a call still up, when
  // one ended before the other). 50 ms: the BYE's transaction ends a moment after the agent records it.
  const endOf = (labels: readonly string[]): number => Math.max(...labels.map((l) => lastSeen.get(l) ?? Number.NEGATIVE_INFINITY)) - origin;
  const [sentEnd, receivedEnd] = [endOf(sentAt), endOf(measuredAt)];
  const bothSeen = Math.min(sentEnd, receivedEnd);
  const captureEnded = Number.isFinite(bothSeen) && (ended !== null ? bothSeen < ended - 0.05 : bothSeen < Math.max(sentEnd, receivedEnd)) ? bothSeen : null;
  const captured = (p: Packet): boolean => captureEnded === null || p.time - origin <= captureEnded;
  const sentRtp = rtp.filter((p) => sentAt.includes(p.iface) && leaving(p) && (fromRelay ? ssrcs.has(p.rtp!.ssrc) : true) && captured(p));
  const ownOfReceiver = visible(toIfaces);
  // What reached the receiver: the sender's SSRCs; when none left the sender (a stream it never sent, or
  // hid), any SSRC that is not the receiver's own.
  const receivedRtp = rtp.filter(
    (p) => measuredAt.includes(p.iface) && arriving(p) && (ssrcs.size > 0 ? ssrcs.has(p.rtp!.ssrc) : !ownOfReceiver.has(p.rtp!.ssrc)) && captured(p),
  );
  for (const p of receivedRtp) ssrcs.add(p.rtp!.ssrc);

  const n = Math.max(1, Math.ceil(until));
  const sec = (p: Packet): number => Math.min(n - 1, Math.max(0, Math.floor(p.time - origin)));
  const sent = new Array<number>(n).fill(0);
  const received = new Array<number>(n).fill(0);
  const advance = new Array<number>(n).fill(0);
  const jitter = new Array<number | null>(n).fill(null);
  for (const p of sentRtp) sent[sec(p)]!++;

  const bySsrc = new Map<string, Packet[]>();
  for (const p of receivedRtp) {
    const list = bySsrc.get(p.rtp!.ssrc) ?? [];
    list.push(p);
    bySsrc.set(p.rtp!.ssrc, list);
  }
  const states = new Map([...bySsrc].map(([ssrc, list]) => [ssrc, new StreamState(clockRateOf(list))]));
  // Per second: expected (the highest sequence number's advance) less received, as RFC 3550 A.3 counts an
  // interval; a reordered packet arriving late makes an interval negative, which counts as no loss.
  for (const p of receivedRtp) {
    const s = states.get(p.rtp!.ssrc)!;
    const before = s.highest;
    s.record(p.rtp!.seq, p.rtp!.timestamp, p.time);
    const i = sec(p);
    received[i]!++;
    advance[i]! += before === null ? 1 : s.highest! - before;
    jitter[i] = s.jitterMs();
  }
  const lost = advance.map((a, i) => Math.max(0, a - received[i]!));
  const lastReceived = receivedRtp.length ? receivedRtp.at(-1)!.time - origin : null;
  const lastSent = sentRtp.length ? sentRtp.at(-1)!.time - origin : null;
  // Still flowing when a capture ended: nothing is known after, and no stop is claimed.
  const flowing = captureEnded !== null && (lastReceived === null ? false : captureEnded - lastReceived < FLOWING_S);
  if (captureEnded !== null) {
    const [first, other] = sentEnd < receivedEnd ? [sentAt, measuredAt] : [measuredAt, sentAt];
    notes.push(
      `${from.agent} → ${to.agent}: counted until ${captureEnded.toFixed(2)} s, when the capture at ${first.join(", ")} ended (${ended !== null ? "before the call did" : `the one at ${other.join(", ")} ran on`})${flowing ? "; the stream was still flowing then" : ""}`,
    );
  }
  const senderState = new StreamState(sentRtp.length ? clockRateOf(sentRtp) : null);
  const sentJitter = new Array<number | null>(n).fill(null);
  for (const p of sentRtp) {
    senderState.record(p.rtp!.seq, p.rtp!.timestamp, p.time);
    sentJitter[sec(p)] = senderState.jitterMs();
  }
  const clocks = [...states.values()].map((s) => s.clockRate).filter((c): c is number => c !== null);
  return {
    notes,
    direction: {
      from: from.agent,
      to: to.agent,
      sentAt,
      measuredAt,
      ssrcs: [...ssrcs],
      clockRate: clocks[0] ?? (sentRtp.length ? clockRateOf(sentRtp) : null),
      sent: sentRtp.length,
      received: receivedRtp.length,
      lost: lost.reduce((a, b) => a + b, 0),
      firstReceived: receivedRtp[0] ? receivedRtp[0].time - origin : null,
      lastReceived,
      lastSent,
      captureEnded,
      flowingAtCaptureEnd: flowing,
      sentAfterStop: lastReceived !== null && lastSent !== null && !flowing ? Math.max(0, lastSent - lastReceived) : null,
      stoppedBeforeEnd: ended !== null && lastReceived !== null && !flowing ? ended - lastReceived : null,
      seconds: Array.from({ length: n }, (_, i) => ({
        t: i,
        sent: sent[i]!,
        received: received[i]!,
        lost: lost[i]!,
        jitterMs: jitter[i]!,
        sentJitterMs: sentJitter[i]!,
      })),
    },
  };
}

/**
 * One call over time. Media is measured at the receiving agent's interface: loss and jitter are what the
 * path did to the stream (every NAT, firewall, impairment and relay lies between the two interfaces),
 * and that is where the receiver's own RTCP statistics are taken too, so the two can be compared. The
 * sender's interface shows only its own pacing; its count is drawn beside, so a stream that left and
 * never arrived shows as sent without received.
 */
export function buildCallTimeline(call: AgentCall, packets: readonly Packet[], interfaces: readonly TimelineInterface[]): CallTimeline {
  const parties = call.parties;
  const origin = Math.min(...parties.map((p) => p.outcome.startedAt)) / 1000;
  const endedAll = parties.map((p) => p.outcome.endedAt).filter((e): e is number => e !== null);
  const endedAbs = endedAll.length ? Math.min(...endedAll) / 1000 : null;
  const answeredAll = parties.filter((p) => p.outcome.established && p.outcome.setupMs !== null).map((p) => (p.outcome.startedAt + p.outcome.setupMs!) / 1000);
  const windowEnd = endedAbs === null ? Number.POSITIVE_INFINITY : endedAbs + TAIL_S;
  const names = new Set(parties.map((p) => p.agent));
  const own = interfaces.filter((i) => names.has(i.node));
  const inWindow = packets.filter((p) => p.time >= origin - LEAD_S && p.time <= windowEnd).sort((a, b) => a.time - b.time || a.no - b.no);

  const bindings = bindingIndex(
    inWindow.filter((p) => p.stun),
    origin,
  );
  const iceEvents = parties.flatMap((p) => p.ice?.timeline.map((s) => s.at / 1000) ?? []);
  const lastMedia = inWindow.filter((p) => p.rtp).at(-1)?.time;
  const ends = [endedAbs, lastMedia, ...iceEvents, ...answeredAll].filter((x): x is number => typeof x === "number");
  const until = Math.max(1, Math.max(...ends, origin) - origin + 0.5);
  const ended = endedAbs === null ? null : endedAbs - origin;

  const ice = parties
    .filter((p) => p.ice)
    .map((p) => ({
      agent: p.agent,
      lanes: lanesOf(p.ice!, origin, until),
      pairs: pairRows(p.ice!, origin, until, bindings, new Set(ifacesOf(p.agent, own).keys())),
      gatheringErrors: p.ice!.gatheringErrors.map((e) => ({ t: e.at / 1000 - origin, text: `${e.url}: ${e.code} ${e.text}`.trim() })),
    }));
  const notes: string[] = [];
  const missing = [...names].filter((n) => !own.some((i) => i.node === n));
  if (missing.length) notes.push(`not captured: ${missing.join(", ")}'s interfaces (no media measured there)`);
  if (parties.length < 2) notes.push(`only ${parties[0]?.agent ?? "one agent"} reported this call: no media direction to measure`);
  if (ended === null) notes.push("the call had not ended when the capture stopped");
  // When each interface's capture saw its last packet (the captures stop one by one at the scenario's end).
  const lastSeen = new Map<string, number>();
  for (const p of packets) lastSeen.set(p.iface, Math.max(p.time, lastSeen.get(p.iface) ?? 0));
  const media: MediaDirection[] = [];
  for (const a of parties)
    for (const b of parties) {
      if (a === b) continue;
      const m = mediaDirection(a, b, inWindow, interfaces, origin, until, ended, lastSeen);
      media.push(m.direction);
      notes.push(...m.notes);
    }
  return {
    callId: call.callId,
    origin,
    until,
    parties: [...names],
    answered: answeredAll.length ? Math.min(...answeredAll) - origin : null,
    ended,
    ice,
    media,
    notes,
  };
}
