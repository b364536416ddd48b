import assert from "node:assert/strict";
import { test } from "node:test";
import { estimateMos, meanDelayVariation, mosOf, rFactor } from "./mos.js";

test("a clean LAN path scores near the top; the E-model's R caps at 93.2 less codec delay", () => {
  assert.ok(Math.abs(rFactor({ oneWayMs: 0, jitterMs: 0, lossPct: 0 }) - 92.95) < 1e-9);
  assert.ok(estimateMos({ oneWayMs: 1, jitterMs: 0.1, lossPct: 0 }) > 4.3);
});

test("latency, jitter and loss each pull the estimate down", () => {
  const base = estimateMos({ oneWayMs: 20, jitterMs: 2, lossPct: 0 });
  assert.ok(estimateMos({ oneWayMs: 200, jitterMs: 2, lossPct: 0 }) < base);
  assert.ok(estimateMos({ oneWayMs: 20, jitterMs: 30, lossPct: 0 }) < base);
  assert.ok(estimateMos({ oneWayMs: 20, jitterMs: 2, lossPct: 5 }) < base);
  // A VPN hairpin with 60 ms, 15 ms of jitter and 3 % loss falls below "good" (3.6).
  assert.ok(estimateMos({ oneWayMs: 60, jitterMs: 15, lossPct: 3 }) < 4.2);
});

test("G.107's R → MOS mapping at its anchors", () => {
  assert.equal(mosOf(0), 1);
  assert.equal(mosOf(100), 4.5);
  assert.ok(Math.abs(mosOf(50) - 2.58) < 0.01);
});

test("delay variation is the mean step between consecutive delays", () => {
  assert.equal(meanDelayVariation([10, 12, 10, 14]), (2 + 2 + 4) / 3);
  assert.equal(meanDelayVariation([5]), 0);
});
