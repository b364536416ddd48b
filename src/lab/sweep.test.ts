import assert from "node:assert/strict";
import { test } from "node:test";
import { KEEP_LABEL, OWNER_LABEL } from "./labels.js";
import { isLive } from "./sweep.js";

test("an orphan sweep keeps labs a person keeps and labs of live processes, and removes the rest", () => {
  const alive = (pid: number): boolean => pid === 4242;
  assert.equal(isLive({ [OWNER_LABEL]: "9999", [KEEP_LABEL]: "true" }, alive), true, "callpath up's lab outlives its process");
  assert.equal(isLive({ [OWNER_LABEL]: "4242" }, alive), true, "another live run's lab");
  assert.equal(isLive({ [OWNER_LABEL]: "9999" }, alive), false, "a crashed run's lab");
  assert.equal(
    isLive({ [OWNER_LABEL]: String(process.pid) }, () => true),
    false,
    "this process's own leftovers",
  );
  assert.equal(isLive(undefined, alive), false);
});
