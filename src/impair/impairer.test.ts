import assert from "node:assert/strict";
import { test } from "node:test";
import { prng } from "../common/prng.js";
import { deviate, Impairer, normalQuantile } from "./impairer.js";
import { ImpairmentSchema } from "./model.js";

/** A seeded generator: the statistics below are reproducible. */
const seeded = prng;

const rule = (yaml: unknown) => ImpairmentSchema.parse(yaml);
const sends = (imp: Impairer, n: number, gapMs = 20) => Array.from({ length: n }, (_, i) => imp.decide(i * gapMs, 200, 0));

test("a fixed delay sends every packet exactly that much later", () => {
  const fates = sends(new Impairer(rule({ delay: { ms: 40 } }), seeded(1)), 100);
  fates.forEach((f, i) => {
    assert.deepEqual(f, { kind: "send", at: i * 20 + 40, copies: 1, corrupt: false });
  });
});

test("random loss drops close to its rate (within a 95 % binomial interval)", () => {
  const n = 20_000;
  const lost = sends(new Impairer(rule({ loss: { random: 5 } }), seeded(2)), n).filter((f) => f.kind === "drop").length;
  const p = 0.05;
  const half = 1.96 * Math.sqrt((p * (1 - p)) / n) * n;
  assert.ok(Math.abs(lost - n * p) <= half, `${lost} lost of ${n}`);
});

test("Gilbert-Elliott loss comes in bursts: mean burst length 1/r", () => {
  const fates = sends(new Impairer(rule({ loss: { gemodel: { p: 2, r: 25 } } }), seeded(3)), 50_000);
  const bursts: number[] = [];
  let run = 0;
  for (const f of fates) {
    if (f.kind === "drop") run++;
    else if (run > 0) {
      bursts.push(run);
      run = 0;
    }
  }
  const mean = bursts.reduce((a, b) => a + b, 0) / bursts.length;
  assert.ok(mean > 3 && mean < 5, `mean burst ${mean}, expected about 4`);
  // Stationary loss p/(p+r) ≈ 7.4 %.
  const rate = fates.filter((f) => f.kind === "drop").length / fates.length;
  assert.ok(rate > 0.06 && rate < 0.09, `loss ${rate}`);
});

test("uniform jitter stays within delay ± jitter and averages the delay", () => {
  const fates = sends(new Impairer(rule({ delay: { ms: 50, jitter: 10 } }), seeded(4)), 10_000, 1000);
  const d = fates.map((f, i) => (f.kind === "send" ? f.at - i * 1000 : NaN));
  assert.ok(Math.min(...d) >= 40 && Math.max(...d) <= 60);
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  assert.ok(Math.abs(mean - 50) < 0.5, `mean ${mean}`);
});

test("normal jitter has the configured spread", () => {
  const fates = sends(new Impairer(rule({ delay: { ms: 100, jitter: 10, distribution: "normal" } }), seeded(5)), 20_000, 1000);
  const d = fates.map((f, i) => (f.kind === "send" ? f.at - i * 1000 : NaN));
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
  assert.ok(Math.abs(mean - 100) < 0.5 && Math.abs(sd - 10) < 0.5, `mean ${mean} sd ${sd}`);
});

test("jitter reorders packets unless told not to", () => {
  const order = (reorder: boolean) => {
    const at = sends(new Impairer(rule({ delay: { ms: 30, jitter: 20, reorder } }), seeded(6)), 1000, 2).map((f) => (f.kind === "send" ? f.at : 0));
    return at.filter((t, i) => i > 0 && t < at[i - 1]!).length;
  };
  assert.ok(order(true) > 100);
  assert.equal(order(false), 0);
});

test("reorder with gap 5 sends only every fifth packet early, and by chance", () => {
  const fates = sends(new Impairer(rule({ delay: { ms: 100 }, reorder: { percent: 100, gap: 5 } }), seeded(7)), 20);
  const early = fates.flatMap((f, i) => (f.kind === "send" && f.at === i * 20 ? [i] : []));
  assert.deepEqual(early, [4, 9, 14, 19]);
});

test("rate serialises packets: a burst leaves one transmission time apart", () => {
  const imp = new Impairer(rule({ rate: { kbit: 1000 } }), seeded(8));
  // 1250 bytes at 1 Mbit/s take 10 ms each.
  const at = [0, 1, 2].map(() => imp.decide(0, 1250, 0)).map((f) => (f.kind === "send" ? f.at : -1));
  assert.deepEqual(at, [10, 20, 30]);
  assert.deepEqual(imp.decide(0, 1250, 1000), { kind: "drop", why: "limit" });
});

test("duplicate and corrupt happen at their rates", () => {
  const fates = sends(new Impairer(rule({ duplicate: 10, corrupt: { percent: 20 } }), seeded(9)), 10_000);
  const dup = fates.filter((f) => f.kind === "send" && f.copies === 2).length;
  const cor = fates.filter((f) => f.kind === "send" && f.corrupt).length;
  assert.ok(Math.abs(dup - 1000) < 100 && Math.abs(cor - 2000) < 150, `dup ${dup} corrupt ${cor}`);
});

test("deviates: the normal quantile is right at known points, pareto is skewed right", () => {
  assert.ok(Math.abs(normalQuantile(0.975) - 1.959964) < 1e-5);
  assert.ok(Math.abs(normalQuantile(0.5)) < 1e-9);
  assert.equal(deviate("uniform", 0), -1);
  assert.ok(deviate("pareto", 0.999) > 5 && deviate("pareto", 0.001) > -1);
});

test("reorder without delay is refused, as netem refuses it", () => {
  const r = ImpairmentSchema.safeParse({ reorder: { percent: 5 } });
  assert.equal(r.success, false);
  assert.match(JSON.stringify(r.error?.issues), /reorder needs a delay/);
});
