import assert from "node:assert/strict";
import { test } from "node:test";
import { linearToMulaw, mulawToLinear } from "./g711.js";
import { detectTone, toneSamples } from "./tone.js";

test("detects the frequency of a tone that went through PCMU", () => {
  for (const hz of [400, 550, 1000, 2750]) {
    const samples = Array.from(toneSamples(hz, 0, 8000), (s) => mulawToLinear(linearToMulaw(s)));
    const found = detectTone(samples);
    assert.equal(found.dominantHz, hz);
    assert.ok(found.purity > 0.9, `purity ${found.purity}`);
  }
});

test("silence and noise are not mistaken for a tone", () => {
  assert.equal(detectTone(new Float64Array(8000)).dominantHz, null);
  let seed = 1;
  const noise = Array.from({ length: 8000 }, () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 20000);
  assert.ok(detectTone(noise).purity < 0.1);
});
