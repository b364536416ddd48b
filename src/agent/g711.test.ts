import assert from "node:assert/strict";
import { test } from "node:test";
import { linearToMulaw, mulawToLinear } from "./g711.js";

test("mu-law round trip stays within the codec's quantisation step", () => {
  for (const x of [0, 1, -1, 100, -100, 1000, -1000, 8000, -8000, 32000, -32000]) {
    const y = mulawToLinear(linearToMulaw(x));
    assert.ok(Math.abs(y - x) <= Math.max(8, Math.abs(x) * 0.07), `${x} → ${y}`);
  }
});

test("mu-law encodes silence as 0xFF and clips out-of-range input", () => {
  assert.equal(linearToMulaw(0), 0xff);
  assert.equal(linearToMulaw(99999), linearToMulaw(32767));
});
