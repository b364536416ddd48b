import { chance, type Direction, type ResolvedImpairment, type ResolvedMatch } from "./model.js";

// callpath's own small typed tc builder: pure functions from the impairment model to `tc` argument lists
// (tc-netem(8), tc-prio(8), tc-u32(8), tc-mirred(8)). Used where the kernel has sch_netem; the userspace
// engine implements the same model where it does not.

const pct = (n: number): string => `${n}%`;

/** `netem` options for one impairment: ["delay", "40ms", "10ms", "25%", "distribution", "normal", ...]. */
export function netemArgs(i: ResolvedImpairment): string[] {
  const a: string[] = [];
  if (i.rate) a.push("limit", String(i.rate.limit));
  if (i.delay) {
    a.push("delay", `${i.delay.ms}ms`);
    if (i.delay.jitter > 0) {
      a.push(`${i.delay.jitter}ms`);
      if (i.delay.correlation > 0) a.push(pct(i.delay.correlation));
      if (i.delay.distribution !== "uniform") a.push("distribution", i.delay.distribution);
    }
  }
  if (i.loss) {
    if ("random" in i.loss) a.push("loss", "random", pct(i.loss.random), ...(i.loss.correlation > 0 ? [pct(i.loss.correlation)] : []));
    else {
      const g = i.loss.gemodel;
      a.push("loss", "gemodel", pct(g.p), pct(g.r ?? 100 - g.p), pct(g["1-h"]), pct(g["1-k"]));
    }
  }
  const dup = chance(i.duplicate);
  if (dup) a.push("duplicate", pct(dup.percent), ...(dup.correlation > 0 ? [pct(dup.correlation)] : []));
  const cor = chance(i.corrupt);
  if (cor) a.push("corrupt", pct(cor.percent), ...(cor.correlation > 0 ? [pct(cor.correlation)] : []));
  if (i.reorder) a.push("reorder", pct(i.reorder.percent), pct(i.reorder.correlation), "gap", String(i.reorder.gap));
  if (i.rate) a.push("rate", `${i.rate.kbit}kbit`);
  // With a rate, netem schedules each packet after the last one queued, so jitter cannot reorder
  // (CONDITIONS C.2); a rate far above any lab link gives that ordering at no cost.
  else if (i.delay && i.delay.jitter > 0 && !i.delay.reorder) a.push("rate", "100gbit");
  return a;
}

/** The fewest value/mask pairs that cover lo..hi exactly (u32 matches a port under a mask, not a range). */
export function portMasks(lo: number, hi: number): Array<{ value: number; mask: number }> {
  const out: Array<{ value: number; mask: number }> = [];
  let p = lo;
  while (p <= hi) {
    let size = 1;
    while (size < 0x10000 && p % (size * 2) === 0 && p + size * 2 - 1 <= hi) size *= 2;
    out.push({ value: p, mask: 0xffff & ~(size - 1) });
    p += size;
  }
  return out;
}

const PROTO: Readonly<Record<string, number>> = { icmp: 1, tcp: 6, udp: 17 };
const hex = (n: number): string => `0x${n.toString(16)}`;

/** u32 selectors for one match; several when a port range needs several masks or either port may match. */
export function u32Selectors(m: ResolvedMatch | undefined): string[][] {
  const base: string[] = [];
  if (m?.protocol) base.push("match", "ip", "protocol", String(PROTO[m.protocol]), "0xff");
  if (m?.from) base.push("match", "ip", "src", m.from.includes("/") ? m.from : `${m.from}/32`);
  if (m?.to) base.push("match", "ip", "dst", m.to.includes("/") ? m.to : `${m.to}/32`);
  if (!m?.port) return [base.length > 0 ? base : ["match", "u32", "0", "0"]];
  return portMasks(m.port.lo, m.port.hi).flatMap(({ value, mask }) =>
    (["sport", "dport"] as const).map((which) => [...base, "match", "ip", which, String(value), hex(mask)]),
  );
}

/** The ifb device that carries an interface's ingress (netem shapes egress only). */
export const ifbName = (dev: string): string => `ifb${dev}`.slice(0, 15);

/**
 * Commands (each an argument list for `tc`/`ip`) that put `rules` on `dev` in `direction`: one netem
 * qdisc when a single rule takes all packets; otherwise a prio qdisc whose first bands hold one netem
 * each, chosen by u32 filters in rule order, and whose last band passes everything else untouched.
 */
export function tcCommands(dev: string, direction: Direction, rules: readonly ResolvedImpairment[]): string[][] {
  const cmds: string[][] = [];
  let target = dev;
  if (direction === "ingress") {
    target = ifbName(dev);
    cmds.push(
      ["ip", "link", "add", target, "type", "ifb"],
      ["ip", "link", "set", target, "up"],
      ["tc", "qdisc", "add", "dev", dev, "handle", "ffff:", "ingress"],
      ["tc", "filter", "add", "dev", dev, "parent", "ffff:", "protocol", "all", "matchall", "action", "mirred", "egress", "redirect", "dev", target],
    );
  }
  if (rules.length === 1 && !rules[0]!.match) {
    cmds.push(["tc", "qdisc", "replace", "dev", target, "root", "netem", ...netemArgs(rules[0]!)]);
    return cmds;
  }
  const bands = rules.length + 1;
  // Every priority maps to the last band: only the filters send a packet into an impaired one.
  const priomap = Array.from({ length: 16 }, () => String(bands - 1));
  cmds.push(["tc", "qdisc", "replace", "dev", target, "root", "handle", "1:", "prio", "bands", String(bands), "priomap", ...priomap]);
  rules.forEach((rule, i) => {
    cmds.push(["tc", "qdisc", "add", "dev", target, "parent", `1:${i + 1}`, "handle", `${10 + i}:`, "netem", ...netemArgs(rule)]);
    for (const sel of u32Selectors(rule.match)) {
      cmds.push(["tc", "filter", "add", "dev", target, "parent", "1:", "protocol", "ip", "prio", String(i + 1), "u32", ...sel, "flowid", `1:${i + 1}`]);
    }
  });
  return cmds;
}

/** Commands that remove what `tcCommands` put on `dev` in `direction` (errors ignorable: nothing there). */
export function tcClearCommands(dev: string, direction: Direction): string[][] {
  if (direction === "egress") return [["tc", "qdisc", "del", "dev", dev, "root"]];
  return [
    ["tc", "qdisc", "del", "dev", dev, "handle", "ffff:", "ingress"],
    ["ip", "link", "del", ifbName(dev)],
  ];
}

/** A shell line per command, quoted for `sh -c`. */
export function shellLines(cmds: readonly string[][]): string {
  return cmds.map((c) => c.map((w) => (/^[\w.:/%+-]+$/.test(w) ? w : `'${w.replace(/'/g, "'\\''")}'`)).join(" ")).join("\n");
}

/** Exits 0 when this kernel can make a netem qdisc (tried on the node's loopback, then removed). */
export const NETEM_PROBE = "tc qdisc add dev lo root handle 1: netem delay 1ms 2>/dev/null && tc qdisc del dev lo root";
