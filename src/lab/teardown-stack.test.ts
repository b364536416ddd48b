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

test("after unwinding began, a resource made late is undone at once", async () => {
  const t = new TeardownStack();
  const done: string[] = [];
  t.push("first", async () => void done.push("first"));
  await t.unwind();
  t.push("late", async () => void done.push("late"));
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(done, ["first", "late"]);
  assert.equal(t.size, 0);
});
