import type { StartedLab } from "../lab/started-lab.js";
import { withProbes } from "./probe-handle.js";

// One-way path measurement between two nodes. Every container reads the same CLOCK_MONOTONIC (the lab
// makes no time namespaces), so a send time carried in the packet gives a true one-way delay.

export interface OneWayResult {
  readonly sent: number;
  /** Distinct sequence numbers that arrived. */
  readonly received: number;
  readonly duplicates: number;
  /** Arrivals with a lower sequence number than one already seen. */
  readonly reordered: number;
  /** One-way delay of each arrival, ms, in arrival order. */
  readonly delaysMs: readonly number[];
}

export interface OneWayOptions {
  readonly count: number;
  readonly gapMs: number;
  readonly port?: number;
  /** UDP payload bytes (at least 12: sequence and send time). */
  readonly size?: number;
}

/** How long the listener waits after the last send: far above the slowest impairment here. */
const GRACE_MS = 2000;

/** Sends `count` UDP datagrams from `from` to `to` (its first address) and reports what arrived and when. */
export async function oneWay(lab: StartedLab, from: string, to: string, o: OneWayOptions): Promise<OneWayResult> {
  const ip = lab.addressOf(to);
  const port = o.port ?? 4100;
  const size = Math.max(12, o.size ?? 172);
  const stamped = await withProbes(lab, [to, from], async ([rx, tx]) => {
    const { listener } = await rx!.request("listen", { proto: "udp", ip, port, mode: "timestamps" });
    await tx!.request("sendStamped", { to: { ip, port }, count: o.count, gapMs: o.gapMs, size }, { timeoutMs: 10_000 + o.count * o.gapMs });
    return (await rx!.request("collect", { listener, expect: o.count, graceMs: GRACE_MS })).stamped;
  });
  const arrivals = stamped.map(([seq, us]) => [seq, us / 1000] as const);
  const seen = new Set<number>();
  let duplicates = 0;
  let reordered = 0;
  let highest = -1;
  for (const [seq] of arrivals) {
    if (seen.has(seq)) duplicates++;
    seen.add(seq);
    if (seq < highest) reordered++;
    highest = Math.max(highest, seq);
  }
  return { sent: o.count, received: seen.size, duplicates, reordered, delaysMs: arrivals.map(([, d]) => d) };
}
