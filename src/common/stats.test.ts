import assert from "node:assert/strict";
import { test } from "node:test";
import { median, quantile, wilsonInterval } from "./stats.js";

test("quantile takes rank floor(n·q) of the sorted samples; none gives NaN", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(quantile([5, 1, 4, 2, 3], 0.99), 5);
  assert.ok(Number.isNaN(quantile([], 0.5)));
});

test("the Wilson interval holds the measured rate and narrows with more samples", () => {
  const small = wilsonInterval(5, 100);
  const large = wilsonInterval(500, 10_000);
  assert.ok(small.lo < 0.05 && small.hi > 0.05 && large.lo < 0.05 && large.hi > 0.05);
  assert.ok(large.hi - large.lo < small.hi - small.lo);
});
