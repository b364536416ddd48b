// `npm run bench` (part): calibration of the impairment engine this machine uses (the userspace one where the
// kernel has no netem). Configured against measured: delay (median and p99 error), jitter (spread), loss
// (with its 95 % interval), reordering; and the userspace engine's own cost: packet rate it sustains and
// the latency it adds. alice sends timestamped UDP through nat1, whose WAN egress carries the impairment.
// Writes bench/impair-results.json and the "Impairment engine" section of BENCHMARKS.md.
import { join } from "node:path";
import { oneWay, type OneWayResult } from "../src/calls/one-way.js";
import { quantile, wilsonInterval } from "../src/common/stats.js";
import { writeJson } from "../src/common/json-file.js";
import { builtinKinds } from "../src/kinds/builtin.js";
import { PROJECT_ROOT } from "../src/lab/images.js";
import { Lab } from "../src/lab/lab.js";
import { loadTopology } from "../src/topology/load.js";
import { benchSetup, log, machine, writeSection } from "./bench-kit.js";

const { images } = await benchSetup();
const topo = await loadTopology(join(PROJECT_ROOT, "topologies/baseline.yaml"), builtinKinds());
const lab = await new Lab(topo, { images }).start();

const sd = (xs: readonly number[]): number => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
};
const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

async function run(rule: unknown, count: number, gapMs: number): Promise<OneWayResult> {
  await lab.impair("nat1", "internet", "egress", rule ? [rule] : []);
  return oneWay(lab, "alice", "bob", { count, gapMs });
}

const results: Record<string, unknown> = { date: new Date().toISOString(), machine: machine() };
try {
  const none = await run(null, 1000, 5);
  const floor = quantile(none.delaysMs, 0.5);
  results.path = { medianMs: round(floor, 3), p99Ms: round(quantile(none.delaysMs, 0.99), 3) };
  log(`path without impairment: median ${floor.toFixed(3)} ms`);

  const delay: Array<Record<string, number>> = [];
  for (const ms of [10, 50, 100]) {
    const r = await run({ delay: { ms } }, 1000, 5);
    const added = r.delaysMs.map((d) => d - floor);
    const errors = added.map((d) => Math.abs(d - ms));
    delay.push({
      configuredMs: ms,
      medianMs: round(quantile(added, 0.5)),
      medianErrorMs: round(Math.abs(quantile(added, 0.5) - ms)),
      p99ErrorMs: round(quantile(errors, 0.99)),
    });
  }
  results.delay = delay;

  const jitter: Array<Record<string, number | string>> = [];
  for (const distribution of ["uniform", "normal"]) {
    const r = await run({ delay: { ms: 50, jitter: 10, distribution } }, 2000, 5);
    const added = r.delaysMs.map((d) => d - floor);
    // uniform ±10 ms has a standard deviation of 10/√3; normal, 10.
    jitter.push({
      distribution,
      configured: "50 ms ± 10 ms",
      medianMs: round(quantile(added, 0.5)),
      sdMs: round(sd(added)),
      expectedSdMs: round(distribution === "normal" ? 10 : 10 / Math.sqrt(3)),
      reorderedPct: round((100 * r.reordered) / r.received, 1),
    });
  }
  results.jitter = jitter;

  const loss: Array<Record<string, number | boolean>> = [];
  for (const pct of [1, 5, 20]) {
    const r = await run({ loss: { random: pct } }, 4000, 1);
    const lost = r.sent - r.received;
    const ci = wilsonInterval(lost, r.sent);
    loss.push({
      configuredPct: pct,
      measuredPct: round((100 * lost) / r.sent),
      ci95LoPct: round(100 * ci.lo),
      ci95HiPct: round(100 * ci.hi),
      inside: pct / 100 >= ci.lo && pct / 100 <= ci.hi,
    });
  }
  results.loss = loss;

  const reorder = await run({ delay: { ms: 20 }, reorder: { percent: 25 } }, 2000, 2);
  results.reorder = { configured: "delay 20 ms, reorder 25 %", reorderedPct: round((100 * reorder.reordered) / reorder.received, 1) };

  // The engine's own cost: every packet through the queue with nothing done to it, against no queue.
  const cost: Array<Record<string, number>> = [];
  for (const pps of [1000, 10_000, 20_000, 40_000]) {
    const count = pps * 2;
    const gap = 1000 / pps;
    const bare = await run(null, count, gap);
    // delay 0: every packet is queued to the engine, decided, and passed at once (its pass-through path).
    const through = await run({ delay: { ms: 0 } }, count, gap);
    cost.push({
      offeredPps: pps,
      deliveredPctBare: round((100 * bare.received) / count, 1),
      deliveredPctEngine: round((100 * through.received) / count, 1),
      addedMedianMs: round(quantile(through.delaysMs, 0.5) - quantile(bare.delaysMs, 0.5), 3),
      addedP99Ms: round(quantile(through.delaysMs, 0.99) - quantile(bare.delaysMs, 0.99), 3),
    });
    log(`engine at ${pps} pps: ${JSON.stringify(cost[cost.length - 1])}`);
  }
  results.engineCost = cost;
  results.engine = lab.impairmentEngine;
} finally {
  await lab.stop();
}
await writeJson(join(PROJECT_ROOT, "bench/impair-results.json"), results);

const d = results.delay as Array<Record<string, number>>;
const j = results.jitter as Array<Record<string, number | string>>;
const l = results.loss as Array<Record<string, number | boolean>>;
const c = results.engineCost as Array<Record<string, number>>;
await writeSection(
  "## Impairment engine",
  `## Impairment engine: calibration (${results.engine} engine)

Measured by \`npm run bench\` on ${String(results.date).slice(0, 10)} (${results.machine}); raw numbers in
\`bench/impair-results.json\`. alice sends timestamped UDP to bob through nat1, whose WAN egress carries the
impairment; every container reads the same monotonic clock, so delays are one-way. The path's own delay
(median ${(results.path as { medianMs: number }).medianMs} ms) is subtracted. This kernel has no sch_netem, so only the userspace engine is
calibrated here; the netem back end is covered by its builder's unit tests.

**Delay** (1000 packets, 5 ms apart; target: median error ≤ 2 ms for the userspace engine)

| configured | measured median | median error | p99 error |
|---|---|---|---|
${d.map((r) => `| ${r.configuredMs} ms | ${r.medianMs} ms | ${r.medianErrorMs} ms | ${r.p99ErrorMs} ms |`).join("\n")}

**Jitter** (2000 packets, 5 ms apart)

| configured | distribution | measured median | measured sd | expected sd | reordered |
|---|---|---|---|---|---|
${j.map((r) => `| ${r.configured} | ${r.distribution} | ${r.medianMs} ms | ${r.sdMs} ms | ${r.expectedSdMs} ms | ${r.reorderedPct} % |`).join("\n")}

**Loss** (4000 packets; target: the configured rate inside the measured 95 % interval)

| configured | measured | 95 % interval | inside |
|---|---|---|---|
${l.map((r) => `| ${r.configuredPct} % | ${r.measuredPct} % | ${r.ci95LoPct}–${r.ci95HiPct} % | ${r.inside ? "yes" : "**no**"} |`).join("\n")}

**Reordering** (2000 packets, 2 ms apart): delay 20 ms with reorder 25 % → ${(results.reorder as { reorderedPct: number }).reorderedPct} % of packets arrived out of order. A packet counts as reordered when one sent after it arrived first (RFC 4737), so each packet sent early makes all ten or so delayed packets it overtook count.

**Engine cost** (2 s at each offered rate, all packets through the engine with nothing done to them, against
the same traffic with no engine; target: ≥ 20 k packets/s with p99 added latency ≤ 1 ms). The sender, the
engine and the receiver share this machine's cores, so the top rates measure the machine as much as the engine.

| offered | delivered, no engine | delivered, engine | added median | added p99 |
|---|---|---|---|---|
${c.map((r) => `| ${r.offeredPps} pkt/s | ${r.deliveredPctBare} % | ${r.deliveredPctEngine} % | ${r.addedMedianMs} ms | ${r.addedP99Ms} ms |`).join("\n")}
`,
);
log("impairment calibration written");
