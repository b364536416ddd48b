import type { Packet, SipFields } from "./dissect.js";

// The ladder as data: which interface sent what to which, and what a box changed on the way through.
// Built from the merged capture's dissection alone (a pure function), so it is tested on real tshark
// output kept as fixtures.

/** One captured interface: its column. */
export interface LadderInterface {
  readonly label: string;
  readonly node: string;
  readonly network: string;
  readonly mac: string;
}

/** A node that forwards (a router): messages crossing it are paired in → out, and what it changed is shown. */
export interface LadderBox {
  readonly node: string;
  /**
   * Whether every way out of it is captured. A VPN gateway's tunnel interface is not: a message that
   * enters it and leaves through the tunnel is not "vanished", so none is marked there.
   */
  readonly allExitsCaptured: boolean;
}

export type ChangedField = "Via" | "Contact" | "SDP o=" | "SDP c=" | "SDP m=" | "Content-Length";

export interface FieldChange {
  readonly field: ChangedField;
  readonly before: string;
  readonly after: string;
}

export interface LadderArrow {
  readonly kind: "arrow";
  readonly time: number;
  readonly from: number;
  /** -1: to no captured interface (its MAC is nobody's we know). */
  readonly to: number;
  readonly protocol: "sip" | "stun" | "rtp" | "icmp" | "fragment";
  readonly label: string;
  /** A SIP message's Call-ID (which call it belongs to); null for the rest. */
  readonly callId: string | null;
  /**
   * Whether the receiving interface saw it; false only when that interface's capture was still running
   * (it saw later packets): lost on the link, or dropped before a capture saw it.
   */
  readonly arrived: boolean;
  /** What the box it leaves changed, relative to what entered it (empty: nothing of those fields). */
  readonly changes: readonly FieldChange[];
  /** The box it crossed, when it left one after entering it on another interface. */
  readonly crossed: string | null;
}

export interface LadderVanish {
  readonly kind: "vanished";
  readonly time: number;
  /** The column where it entered the box. */
  readonly at: number;
  readonly box: string;
  readonly label: string;
}

export type LadderRow = LadderArrow | LadderVanish;

export interface Ladder {
  readonly columns: readonly LadderInterface[];
  readonly rows: readonly LadderRow[];
  /** Rows left out past the limit. */
  readonly omitted: number;
}

/** How long a box may hold a message before it counts as never having left (the userspace ALG is the slowest). */
export const CROSSING_WINDOW_S = 2;
export const ROW_LIMIT = 600;

interface Observation {
  readonly p: Packet;
  readonly column: number;
  readonly out: boolean;
}

function sipLabel(s: SipFields): string {
  if (s.status === null) return `${s.method} ${s.firstLine.split(" ")[1] ?? ""}`.trim();
  return `${s.firstLine.replace(/^SIP\/2\.0\s+/, "")} (${s.method})`;
}

function label(p: Packet): string {
  if (p.sip) return sipLabel(p.sip);
  if (p.stun) return `STUN ${p.stun.type}`;
  if (p.icmp) return icmpLabel(p.icmp);
  if (p.fragment) return `IP fragment id 0x${p.ipId.toString(16)} offset ${p.fragment.offset}${p.fragment.more ? " (more)" : " (last)"}`;
  return p.rtp ? `RTP ssrc ${p.rtp.ssrc}` : `${p.transport} ${p.sport}→${p.dport}`;
}

const ICMP_NAMES: Record<string, string> = {
  "3/0": "network unreachable",
  "3/1": "host unreachable",
  "3/3": "port unreachable",
  "3/4": "fragmentation needed",
  "3/10": "host administratively prohibited",
  "3/13": "administratively prohibited",
  "11/0": "TTL exceeded",
  "11/1": "fragment reassembly time exceeded",
};

function icmpLabel(i: NonNullable<Packet["icmp"]>): string {
  const name = ICMP_NAMES[`${i.type}/${i.code}`] ?? `type ${i.type} code ${i.code}`;
  return `ICMP ${name}${i.type === 3 && i.code === 4 && i.mtu ? ` (MTU ${i.mtu})` : ""}`;
}

function protocolOf(p: Packet): LadderArrow["protocol"] {
  return p.sip ? "sip" : p.stun ? "stun" : p.icmp ? "icmp" : p.rtp ? "rtp" : "fragment";
}

/** The SIP message's identity across a box (which rewrites addresses, never Call-ID, CSeq or the kind of message). */
function sipKey(s: SipFields): string {
  return `${s.callId}\u0000${s.cseq}\u0000${s.status ?? s.method}`;
}

function linkKey(p: Packet): string {
  return [p.src, p.dst, p.ipId, p.transport, p.sport, p.dport, p.fragment?.offset ?? 0].join("|");
}

/** The fields an ALG rewrites, compared between what entered a box and what left it. */
export function sipChanges(before: SipFields, after: SipFields): FieldChange[] {
  const pairs: Array<[ChangedField, string | null | undefined, string | null | undefined]> = [
    ["Via", before.via[0], after.via[0]],
    ["Contact", before.contact, after.contact],
    ["SDP o=", before.sdp?.o, after.sdp?.o],
    ["SDP c=", before.sdp?.c.join(" | "), after.sdp?.c.join(" | ")],
    ["SDP m=", before.sdp?.m.join(" | "), after.sdp?.m.join(" | ")],
    ["Content-Length", before.contentLength?.toString(), after.contentLength?.toString()],
  ];
  return pairs.filter(([, b, a]) => (b ?? "") !== (a ?? "")).map(([field, b, a]) => ({ field, before: b ?? "(none)", after: a ?? "(none)" }));
}

/**
 * Every SIP and STUN message, ICMP error and IP fragment on every link, and the first and last RTP packet
 * of each stream on each link; at each box, what it changed of a SIP message, and where a message
 * entered a box and never left it.
 */
export function buildLadder(packets: readonly Packet[], columns: readonly LadderInterface[], boxes: readonly LadderBox[]): Ladder {
  const byLabel = new Map(columns.map((c, i) => [c.label, i]));
  const byMac = new Map(columns.map((c, i) => [`${c.network}|${c.mac}`, i]));
  const obs: Observation[] = [];
  for (const p of [...packets].sort((a, b) => a.time - b.time || a.no - b.no)) {
    const column = byLabel.get(p.iface);
    if (column === undefined) continue;
    const mac = columns[column]!.mac;
    if (p.ethSrc === mac) obs.push({ p, column, out: true });
    else if (p.ethDst === mac) obs.push({ p, column, out: false });
  }

  // RTP: the first and last packet of each stream as each interface sent it.
  const rtpKeep = new Map<Observation, "first" | "last" | "only">();
  const streams = new Map<string, Observation[]>();
  for (const o of obs) {
    if (!o.out || !o.p.rtp || o.p.sip || o.p.stun) continue;
    const k = `${o.column}|${o.p.rtp.ssrc}`;
    const list = streams.get(k) ?? [];
    list.push(o);
    streams.set(k, list);
  }
  for (const list of streams.values()) {
    rtpKeep.set(list[0]!, list.length === 1 ? "only" : "first");
    if (list.length > 1) rtpKeep.set(list.at(-1)!, "last");
  }

  // When each interface's capture last saw anything: a packet sent after the receiver's capture stopped
  // (the captures stop one by one at teardown) is not judged lost.
  const lastSeen = new Map<number, number>();
  for (const o of obs) lastSeen.set(o.column, o.p.time);

  // Arrivals, by link key: the in-observation that matches each out-observation.
  const arrivals = new Map<string, Observation[]>();
  for (const o of obs) {
    if (o.out) continue;
    const k = `${columns[o.column]!.network}|${linkKey(o.p)}`;
    const list = arrivals.get(k) ?? [];
    list.push(o);
    arrivals.set(k, list);
  }

  const boxOf = new Map(boxes.map((b) => [b.node, b]));
  // SIP messages entering each box, not yet seen leaving it: paired in order with what leaves.
  const pending = new Map<string, Array<{ o: Observation; matched: boolean }>>();
  const rows: LadderRow[] = [];
  for (const o of obs) {
    const col = columns[o.column]!;
    const box = boxOf.get(col.node);
    if (!o.out) {
      if (box && o.p.sip) {
        const list = pending.get(col.node) ?? [];
        list.push({ o, matched: false });
        pending.set(col.node, list);
      }
      continue;
    }
    const p = o.p;
    const wanted = p.sip || p.stun || p.icmp || (p.fragment && !p.sip) || rtpKeep.has(o);
    if (!wanted) continue;
    let changes: FieldChange[] = [];
    let crossed: string | null = null;
    if (box && p.sip) {
      const entered = (pending.get(col.node) ?? []).find(
        (e) => !e.matched && e.o.column !== o.column && sipKey(e.o.p.sip!) === sipKey(p.sip!) && p.time - e.o.p.time <= CROSSING_WINDOW_S,
      );
      if (entered) {
        entered.matched = true;
        changes = sipChanges(entered.o.p.sip!, p.sip);
        crossed = col.node;
      }
    }
    const key = `${col.network}|${linkKey(p)}`;
    const candidates = arrivals.get(key) ?? [];
    const arrival = candidates.find((a) => a.p.time >= p.time - 0.5 && a.p.time <= p.time + CROSSING_WINDOW_S);
    if (arrival) candidates.splice(candidates.indexOf(arrival), 1);
    const to = arrival?.column ?? byMac.get(`${col.network}|${p.ethDst}`) ?? -1;
    const judged = to >= 0 && (lastSeen.get(to) ?? 0) > p.time;
    const rtp = rtpKeep.get(o);
    const text = rtp ? `${label(p)} ${rtp} (seq ${p.rtp!.seq})` : label(p);
    rows.push({
      kind: "arrow",
      time: p.time,
      from: o.column,
      to,
      protocol: protocolOf(p),
      label: text,
      callId: p.sip?.callId ?? null,
      arrived: arrival !== undefined || !judged,
      changes,
      crossed,
    });
  }
  const end = obs.at(-1)?.p.time ?? 0;
  for (const [node, list] of pending) {
    if (!boxOf.get(node)?.allExitsCaptured) continue;
    for (const e of list) {
      // Still inside when the capture ended, but not for long: not judged.
      if (e.matched || end - e.o.p.time < CROSSING_WINDOW_S) continue;
      rows.push({ kind: "vanished", time: e.o.p.time + 1e-6, at: e.o.column, box: node, label: sipLabel(e.o.p.sip!) });
    }
  }
  rows.sort((a, b) => a.time - b.time);
  return { columns, rows: rows.slice(0, ROW_LIMIT), omitted: Math.max(0, rows.length - ROW_LIMIT) };
}
