import { byDirection, describeImpairment, type Direction, type Impairment } from "../impair/model.js";
import type { ResolvedTopology } from "../topology/types.js";
import type { Leg } from "./path-walk.js";
import type { ImpairmentTruth } from "./truth-types.js";
import { commonFields } from "../topology/schema.js";

// What the `impair:` entries along a path add up to, each way. A packet crosses an interface once per
// direction it is carried in, so a tunnel's underlay and a concentrator (in and out by one interface)
// count where the packet physically passes. Delays and jitters are summed (jitter as a bound: netem's
// variations are independent, so the real spread is smaller); losses combine as 1 − Π(1 − p).

interface Crossing {
  readonly node: string;
  readonly network: string;
  readonly direction: Direction;
}

/** Interfaces the packet crosses on the way out, in order: the origin's egress, each box in and out, the arrival. */
function crossings(leg: Leg): Crossing[] {
  return [
    { node: leg.from, network: leg.originOut, direction: "egress" },
    ...leg.hops.flatMap((h): Crossing[] => [
      { node: h.node, network: h.in, direction: "ingress" },
      { node: h.node, network: h.out, direction: "egress" },
    ]),
    { node: leg.to, network: leg.arrive, direction: "ingress" },
  ];
}

const reverse = (c: Crossing): Crossing => ({ ...c, direction: c.direction === "egress" ? "ingress" : "egress" });

/** The mean loss (%) of netem's Gilbert-Elliott model: the bad state's share of time, weighted by each state's loss. */
export function gilbertElliottMean(ge: { p: number; r?: number; "1-h": number; "1-k": number }): number {
  const r = ge.r ?? 100 - ge.p;
  // Never leaving the good state (p = 0), or stuck wherever it starts (p = r = 0): the good state's loss.
  const bad = ge.p + r === 0 ? 0 : ge.p / (ge.p + r);
  return bad * ge["1-h"] + (1 - bad) * ge["1-k"];
}

function lossPercent(i: Impairment): number {
  if (!i.loss) return 0;
  return "random" in i.loss ? i.loss.random : gilbertElliottMean(i.loss.gemodel);
}

function describeMatch(i: Impairment): string {
  const m = i.match!;
  const port = m.port && `port ${m.port.lo}${m.port.hi !== m.port.lo ? `-${m.port.hi}` : ""}`;
  return [m.protocol, port, m.from && `from ${m.from}`, m.to && `to ${m.to}`].filter(Boolean).join(" ");
}

/**
 * Entries with a `match` are listed, not summed: whether one applies to the seat's traffic depends on
 * the protocol and addresses the seat's application picks (TURN over UDP or TCP, inside a tunnel or not).
 */
export function pathImpairments(t: ResolvedTopology, leg: Leg): ImpairmentTruth {
  const links: string[] = [];
  const sum = (way: "out" | "back", path: readonly Crossing[]) => {
    let delay = 0;
    let jitter = 0;
    let pass = 1;
    for (const c of path) {
      const n = t.nodes.get(c.node);
      const declared = n ? commonFields(n).impair : undefined;
      const link = declared && Object.hasOwn(declared, c.network) ? declared[c.network] : undefined;
      if (!link) continue;
      for (const i of byDirection(link)[c.direction]) {
        const where = `${way}: ${c.node}:${c.network} ${c.direction}`;
        const what = describeImpairment({ ...i, match: undefined });
        if (i.match) {
          links.push(`${where}: ${what} (matched: ${describeMatch(i)}; not summed)`);
          continue;
        }
        links.push(`${where}: ${what}`);
        delay += i.delay?.ms ?? 0;
        jitter += i.delay?.jitter ?? 0;
        pass *= 1 - lossPercent(i) / 100;
      }
    }
    return { delay, jitter, loss: round((1 - pass) * 100) };
  };
  const path = crossings(leg);
  const out = sum("out", path);
  const back = sum("back", [...path].reverse().map(reverse));
  return {
    delayMs: { out: out.delay, back: back.delay },
    jitterMs: { out: out.jitter, back: back.jitter },
    lossPercent: { out: out.loss, back: back.loss },
    links,
  };
}

/** Six decimals: enough for any loss a topology states, without 1 − Π(1 − p)'s float noise (9.999999999%). */
const round = (x: number): number => Math.round(x * 1e6) / 1e6;
