import assert from "node:assert/strict";
import { test } from "node:test";
import { ActiveLabs } from "./active-labs.js";

test("an exit removes what is up, waits for what is being made, removes it, and refuses anything new", async () => {
  const labs = new ActiveLabs(false);
  const removed: string[] = [];
  labs.add("lab1", async () => {
    removed.push("lab1");
    return [];
  });
  // An analyzer whose create is in flight when the exit begins: registered only once it exists.
  const analyzer = labs.creating(async () => {
    await new Promise((r) => setTimeout(r, 100));
    labs.add("analyzer", async () => {
      removed.push("analyzer");
      return [new Error("already gone")];
    });
  });
  const errors = await labs.exit();
  await analyzer;
  assert.deepEqual(removed, ["lab1", "analyzer"]);
  assert.deepEqual(
    errors.map((e) => e.message),
    ["already gone"],
  );
  await assert.rejects(
    labs.creating(async () => "new"),
    /exiting: nothing new is made/,
  );
});
