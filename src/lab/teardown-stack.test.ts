import assert from "node:assert/strict";
import { test } from "node:test";
import { TeardownStack } from "./teardown-stack.js";

test("unwinds newest first, keeps going past failures and reports all of them", async () => {
  const s = new TeardownStack();
  const order: string[] = [];
  s.push("network", async () => void order.push("network"));
  s.push("container a", async () => {
    order.push("a");
    throw new Error("boom a");
  });
  s.push("container b", async () => {
    order.push("b");
    throw new Error("boom b");
  });
  const errors = await s.unwind();
  assert.deepEqual(order, ["b", "a", "network"]);
  assert.deepEqual(
    errors.map((e) => e.message),
    ["container b: boom b", "container a: boom a"],
  );
  assert.equal(s.size, 0);
});
