import assert from "node:assert/strict";
import { test } from "node:test";
import { canAssign } from "./scenario-slots.js";

test("@alone starts only on an empty machine, and nothing starts beside it", () => {
  assert.equal(canAssign(["@alone"], [], 1), true);
  assert.equal(canAssign(["@alone"], [["@waits"]], 4), false);
  assert.equal(canAssign([], [["@alone"]], 4), false);
  assert.equal(canAssign(["@waits"], [["@vpn", "@alone"]], 4), false);
});

test("on two cores: one working scenario and one waiting one at a time", () => {
  assert.equal(canAssign([], [], 1), true);
  assert.equal(canAssign([], [["@alg"]], 1), false);
  assert.equal(canAssign(["@waits"], [["@alg"]], 1), true);
  assert.equal(canAssign([], [["@waits"]], 1), true);
  assert.equal(canAssign(["@waits"], [["@waits"]], 1), false);
  assert.equal(canAssign(["@alg"], [["@waits"], ["@dpi"]], 1), false);
});

test("more cores, more slots of each", () => {
  assert.equal(canAssign([], [["@alg"], ["@waits"]], 2), true);
  assert.equal(canAssign([], [["@alg"], ["@dpi"]], 2), false);
  assert.equal(canAssign(["@waits"], [["@waits"], ["@alg"], ["@dpi"]], 2), true);
});
