import assert from "node:assert/strict";
import { test } from "node:test";
import { stageClock } from "./stage-clock.js";

test("each stage is timed from the end of the one before", () => {
  const times = [100, 130, 400, 410];
  const clock = stageClock(() => times.shift()!);
  clock.mark("networks");
  clock.mark("containers");
  clock.mark("ready");
  assert.equal(clock.summary(), "networks 30, containers 270, ready 10");
});
