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

test("a late undo that fails is reported by the next unwind, which waits for it", async () => {
  const t = new TeardownStack();
  await t.unwind();
  t.push("remove network n1", async () => {
    await new Promise((r) => setTimeout(r, 20));
    throw new Error("has active endpoints");
  });
  const errors = await t.unwind();
  assert.deepEqual(
    errors.map((e) => e.message),
    ["remove network n1: has active endpoints"],
  );
});

test("two unwinds take turns: the second returns only once the first has undone everything", async () => {
  const t = new TeardownStack();
  const done: string[] = [];
  t.push("slow", async () => {
    await new Promise((r) => setTimeout(r, 30));
    done.push("slow");
  });
  const first = t.unwind();
  await t.unwind();
  assert.deepEqual(done, ["slow"], "the second unwind returned before the first had finished");
  await first;
});

test("an interrupt marks the stack stopping and aborts its signal, and undoes nothing by itself", () => {
  const t = new TeardownStack();
  t.push("x", async () => undefined);
  assert.equal(t.stopping, false);
  t.interrupt();
  assert.equal(t.stopping, true);
  assert.equal(t.interrupted.aborted, true);
  assert.equal(t.size, 1);
});

test("neighbours of one group are undone together, the groups still newest first", async () => {
  const s = new TeardownStack();
  const events: string[] = [];
  const slow = (name: string, ms: number) => async () => {
    events.push(`start ${name}`);
    await new Promise((r) => setTimeout(r, ms));
    events.push(`end ${name}`);
  };
  s.push("network", slow("network", 1), "networks");
  s.push("container a", slow("a", 20), "containers");
  s.push(
    "container b",
    async () => {
      events.push("start b");
      throw new Error("boom b");
    },
    "containers",
  );
  s.push("service", slow("service", 1));
  const errors = await s.unwind();
  // The service first, alone; both containers begin before either ends; the network only after both.
  assert.deepEqual(events, ["start service", "end service", "start b", "start a", "end a", "start network", "end network"]);
  assert.deepEqual(
    errors.map((e) => e.message),
    ["container b: boom b"],
  );
});

test("steps without a group stay one at a time", async () => {
  const s = new TeardownStack();
  const events: string[] = [];
  for (const n of ["x", "y"])
    s.push(n, async () => {
      events.push(`start ${n}`);
      await new Promise((r) => setTimeout(r, 5));
      events.push(`end ${n}`);
    });
  await s.unwind();
  assert.deepEqual(events, ["start y", "end y", "start x", "end x"]);
});

test("an undo that throws before returning a promise is reported, and its neighbours and the rest still run", async () => {
  const s = new TeardownStack();
  const done: string[] = [];
  s.push("network", async () => void done.push("network"), "networks");
  s.push("container a", async () => void done.push("a"), "containers");
  s.push(
    "container b",
    (() => {
      throw new Error("sync boom");
    }) as unknown as () => Promise<void>,
    "containers",
  );
  const errors = await s.unwind();
  assert.deepEqual(done, ["a", "network"]);
  assert.deepEqual(
    errors.map((e) => e.message),
    ["container b: sync boom"],
  );
});
