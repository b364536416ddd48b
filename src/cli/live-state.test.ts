import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseUpState, readUpState, recordedLabId, writeUpState, type UpState } from "./live-state.js";

const state: UpState = {
  id: "0a1b2c3d",
  topology: "sip-alg",
  file: "/x/topologies/sip-alg.yaml",
  text: "name: sip-alg\n",
  overrides: [["nodes.nat1.alg", "headers-not-sdp"]],
  startedAt: "2026-12-01T10:00:00.000Z",
};

test("the state keeps the lab, its topology's text and its variant, and reads back as written", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "callpath-state-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, ".callpath-up.json");
  await writeUpState(state, file);
  assert.deepEqual(await readUpState(file), state);
  assert.equal(await recordedLabId(file), "0a1b2c3d");
});

test("no state, or a state an older callpath wrote, is a clear error; down still finds the lab id", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "callpath-state-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, ".callpath-up.json");
  await assert.rejects(readUpState(file), /no lab up: start one with `callpath up <topology>`/);
  assert.equal(await recordedLabId(file), undefined);
  writeFileSync(file, JSON.stringify({ id: "7fe81955", topology: "baseline" }));
  await assert.rejects(readUpState(file), /lab 7fe81955 was recorded by a callpath that kept no topology with it; remove it \(callpath down\)/);
  assert.equal(await recordedLabId(file), "7fe81955");
});

test("a state that is not what up writes is named, not guessed at", () => {
  assert.match(String(parseUpState("{")), /^not JSON \(/);
  assert.equal(parseUpState(JSON.stringify({ ...state, id: "../x" })), "it names no lab id");
  assert.equal(parseUpState(JSON.stringify({ ...state, overrides: [["a"]] })), "its overrides are not [path, value] pairs");
});
