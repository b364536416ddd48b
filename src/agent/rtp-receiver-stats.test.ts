import assert from "node:assert/strict";
import { test } from "node:test";
import { lossBetween, ReceiverStats } from "./rtp-receiver-stats.js";

test("counts loss by sequence numbers across a 16-bit wrap", () => {
  const s = new ReceiverStats(8000);
  const seqs = [65530, 65531, 65533, 65534, 65535, 0, 1, 3, 4];
  seqs.forEach((seq, i) => {
    s.record(seq, i * 160, i * 20, "a:1");
  });
  const snap = s.snapshot();
  assert.equal(snap.highestSeq! - snap.firstSeq! + 1, 11);
  const loss = lossBetween({ ...snap, packets: 0, highestSeq: null, firstSeq: null }, snap);
  assert.equal(loss.expected, 11);
  assert.equal(loss.lost, 2);
});

test("jitter is zero for a perfectly paced stream and grows with irregular arrival", () => {
  const even = new ReceiverStats(8000);
  for (let i = 0; i < 100; i++) even.record(i, i * 160, i * 20, "a:1");
  assert.ok(even.snapshot().jitterMs < 1e-9);
  const uneven = new ReceiverStats(8000);
  for (let i = 0; i < 100; i++) uneven.record(i, i * 160, i * 20 + (i % 2 ? 10 : 0), "a:1");
  assert.ok(uneven.snapshot().jitterMs > 5, `jitter ${uneven.snapshot().jitterMs}`);
});

test("loss between two snapshots covers only the window", () => {
  const s = new ReceiverStats(8000);
  for (let i = 0; i < 50; i++) s.record(i, i * 160, i * 20, "a:1");
  const a = s.snapshot();
  for (let i = 50; i < 100; i++) if (i % 10 !== 0) s.record(i, i * 160, i * 20, "a:1");
  const l = lossBetween(a, s.snapshot());
  assert.equal(l.expected, 50);
  assert.equal(l.received, 45);
  assert.ok(Math.abs(l.ratio - 0.1) < 1e-9);
});
