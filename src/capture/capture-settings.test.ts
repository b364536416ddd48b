import assert from "node:assert/strict";
import { test } from "node:test";
import { captureSettings } from "./capture-settings.js";

test("captures are kept for failed scenarios by default, in an 8 × 4 MB ring per interface", () => {
  assert.deepEqual(captureSettings({}), { mode: "failed", ring: { files: 8, fileMb: 4 } });
  assert.deepEqual(captureSettings({ CALLPATH_CAPTURE: "all", CALLPATH_CAPTURE_RING: "2x16" }), { mode: "all", ring: { files: 2, fileMb: 16 } });
  assert.equal(captureSettings({ CALLPATH_CAPTURE: "off" }).mode, "off");
});

test("a bad setting names the valid ones", () => {
  assert.throws(() => captureSettings({ CALLPATH_CAPTURE: "yes" }), /valid: failed, all, off/);
  assert.throws(() => captureSettings({ CALLPATH_CAPTURE_RING: "8" }), /<files>x<MB>/);
  assert.throws(() => captureSettings({ CALLPATH_CAPTURE_RING: "0x4" }), /files 1\.\.100/);
});
