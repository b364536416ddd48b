import assert from "node:assert/strict";
import { test } from "node:test";
import { toneFrame, ToneListener, WEBRTC_RATE } from "./audio-tone.js";

test("a 48 kHz tone fed frame by frame is detected at its frequency", () => {
  const l = new ToneListener();
  for (let n = 0; n < 100; n++) {
    const f = toneFrame(550, n);
    assert.equal(f.samples.length, WEBRTC_RATE / 100);
    l.onFrame(f.samples, f.sampleRate, 1);
  }
  const s = l.signal();
  assert.ok(s.dominantHz !== null && Math.abs(s.dominantHz - 550) <= 2, `heard ${s.dominantHz}`);
  assert.equal(l.framesReceived, 100);
});

test("silence is not a tone", () => {
  const l = new ToneListener();
  for (let n = 0; n < 100; n++) l.onFrame(new Int16Array(480), 48_000, 1);
  assert.equal(l.signal().dominantHz, null);
});

test("stereo frames are read as their first channel", () => {
  const l = new ToneListener();
  for (let n = 0; n < 100; n++) {
    const mono = toneFrame(700, n).samples;
    const stereo = new Int16Array(mono.length * 2);
    for (let i = 0; i < mono.length; i++) stereo[2 * i] = stereo[2 * i + 1] = mono[i]!;
    l.onFrame(stereo, 48_000, 2);
  }
  const hz = l.signal().dominantHz;
  assert.ok(hz !== null && Math.abs(hz - 700) <= 2, `heard ${hz}`);
});
