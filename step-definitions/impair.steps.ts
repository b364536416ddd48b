import assert from "node:assert/strict";
import { Then, When } from "@cucumber/cucumber";
import { parse } from "yaml";
import { estimateMos, meanDelayVariation } from "../src/calls/mos.js";
import { oneWay } from "../src/calls/one-way.js";
import { quantile, wilsonInterval } from "../src/common/stats.js";
import type { LabWorld } from "./support/world.js";

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

When(
  /^(\S+)'s "([^"]+)" (egress|ingress|link both ways) (?:is|are) impaired with:$/,
  async function (this: LabWorld, node: string, network: string, dir: string, yaml: string) {
    await this.lab.impair(node, network, dir === "link both ways" ? "both" : (dir as "egress" | "ingress"), asList(parse(yaml)));
  },
);

When(/^(\S+)'s "([^"]+)" impairments are cleared$/, async function (this: LabWorld, node: string, network: string) {
  await this.lab.impair(node, network, "both", []);
});

When(
  /^(\S+) sends (\d+) UDP packets to (\S+)(?: on port (\d+))?, (\d+) ms apart$/,
  { timeout: 120_000 },
  async function (this: LabWorld, from: string, count: string, to: string, port: string | undefined, gap: string) {
    const r = await oneWay(this.lab, from, to, { count: Number(count), gapMs: Number(gap), port: port ? Number(port) : undefined });
    this.oneWay = r;
    const d = r.delaysMs;
    await this.attach(
      `${from} → ${to}: ${r.received}/${r.sent} arrived, ${r.duplicates} duplicates, ${r.reordered} out of order; one-way delay median ${quantile(d, 0.5).toFixed(2)} ms, p5 ${quantile(d, 0.05).toFixed(2)}, p95 ${quantile(d, 0.95).toFixed(2)}, p99 ${quantile(d, 0.99).toFixed(2)} (engine: ${this.lab.impairmentEngine ?? "none"})`,
      { mediaType: "text/plain", fileName: `one-way-${from}-${to}.txt` },
    );
  },
);

const last = (w: LabWorld) => {
  assert.ok(w.oneWay, "no packets were sent in this scenario (use: When <a> sends N UDP packets to <b>, G ms apart)");
  return w.oneWay;
};

Then(/^their median one-way delay is (\d+(?:\.\d+)?) ms, within (\d+(?:\.\d+)?) ms$/, function (this: LabWorld, want: string, tol: string) {
  const m = quantile(last(this).delaysMs, 0.5);
  assert.ok(Math.abs(m - Number(want)) <= Number(tol), `median one-way delay ${m.toFixed(2)} ms, expected ${want} ± ${tol} ms`);
});

Then(/^their delays spread from below (\d+) ms to above (\d+) ms$/, function (this: LabWorld, lo: string, hi: string) {
  const d = last(this).delaysMs;
  const [p5, p95] = [quantile(d, 0.05), quantile(d, 0.95)];
  assert.ok(p5 < Number(lo) && p95 > Number(hi), `delays p5 ${p5.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms: not spread from below ${lo} to above ${hi}`);
});

// Loss is random: the check is that the measured rate is consistent with the configured one (the configured
// rate lies in the measurement's 99.9 % interval: a 95 % one would fail one correct run in twenty).
Then(/^the share lost is consistent with (\d+(?:\.\d+)?)%$/, function (this: LabWorld, pct: string) {
  const r = last(this);
  const lost = r.sent - r.received;
  const ci = wilsonInterval(lost, r.sent, 3.29);
  const p = Number(pct) / 100;
  assert.ok(
    p >= ci.lo && p <= ci.hi,
    `${lost} of ${r.sent} lost (${((100 * lost) / r.sent).toFixed(1)} %, 99.9 % interval ${(100 * ci.lo).toFixed(1)}–${(100 * ci.hi).toFixed(1)} %), not consistent with ${pct} %`,
  );
});

Then("all of them arrive", function (this: LabWorld) {
  const r = last(this);
  assert.equal(r.received, r.sent, `${r.sent - r.received} of ${r.sent} were lost`);
});

Then("none of them arrive", function (this: LabWorld) {
  const r = last(this);
  assert.equal(r.received, 0, `${r.received} of ${r.sent} arrived`);
});

Then(/^(none|some) of them arrive out of order$/, function (this: LabWorld, which: string) {
  const r = last(this);
  if (which === "none") assert.equal(r.reordered, 0, `${r.reordered} arrived out of order`);
  else assert.ok(r.reordered > 0, "every packet arrived in order");
});

Then(/^some of them arrive twice$/, function (this: LabWorld) {
  assert.ok(last(this).duplicates > 0, "no packet arrived twice");
});

Then(/^the path's MOS estimate is (below|above) (\d+(?:\.\d+)?)$/, async function (this: LabWorld, side: string, threshold: string) {
  const r = last(this);
  const q = { oneWayMs: quantile(r.delaysMs, 0.5), jitterMs: meanDelayVariation(r.delaysMs), lossPct: (100 * (r.sent - r.received)) / r.sent };
  const mos = estimateMos(q);
  await this.attach(
    `one-way ${q.oneWayMs.toFixed(1)} ms, jitter ${q.jitterMs.toFixed(1)} ms, loss ${q.lossPct.toFixed(1)} % → MOS estimate ${mos.toFixed(2)}`,
    { mediaType: "text/plain", fileName: "mos.txt" },
  );
  const ok = side === "below" ? mos < Number(threshold) : mos > Number(threshold);
  assert.ok(
    ok,
    `MOS estimate ${mos.toFixed(2)} is not ${side} ${threshold} (one-way ${q.oneWayMs.toFixed(1)} ms, jitter ${q.jitterMs.toFixed(1)} ms, loss ${q.lossPct.toFixed(1)} %)`,
  );
});
