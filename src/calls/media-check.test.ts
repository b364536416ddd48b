import assert from "node:assert/strict";
import { test } from "node:test";
import type { RtpSnapshot } from "./outcome.js";
import { assessDirection, receiverWindowMs } from "./media-check.js";

function snap(packets: number, firstSeq: number | null, highestSeq: number | null, hz: number | null): RtpSnapshot {
  return {
    local: "a:1",
    remote: "b:2",
    latchedFrom: null,
    sent: packets,
    received: { packets, firstSeq, highestSeq, jitterMs: 0.5, firstAtMs: 0, lastAtMs: 0, source: "b:2" },
    signal: { dominantHz: hz, purity: hz ? 1 : 0 },
    atMs: 0,
  };
}

test("a clean window passes", () => {
  const r = assessDirection("bob", "alice", snap(100, 0, 99, 550), snap(350, 0, 349, 550), 5000, 550);
  assert.deepEqual(r.problems, []);
  assert.equal(r.received, 250);
});

test("silence, loss and the wrong tone are each named", () => {
  assert.match(assessDirection("bob", "alice", snap(0, null, null, null), snap(0, null, null, null), 5000, 550).problems[0]!, /no RTP from bob/);
  const lossy = assessDirection("bob", "alice", snap(100, 0, 99, 550), snap(330, 0, 349, 550), 5000, 550);
  assert.ok(lossy.problems.some((p) => /loss 8\.00%/.test(p)));
  const wrong = assessDirection("bob", "alice", snap(100, 0, 99, 550), snap(350, 0, 349, 700), 5000, 550);
  assert.ok(wrong.problems.some((p) => /heard 700 Hz/.test(p)));
});

test("the window is the receiver's own time between its snapshots, not the control round trips'", () => {
  const at = (ms: number): RtpSnapshot => ({ ...snap(0, null, null, null), atMs: ms });
  assert.equal(receiverWindowMs(at(1000), at(4000), 4300), 3000);
  assert.equal(receiverWindowMs(undefined, at(4000), 4300), 4300);
});
