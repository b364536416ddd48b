import assert from "node:assert/strict";
import { test } from "node:test";
import { pollUntil, retryUntil } from "./retry.js";

test("pollUntil returns the first value that satisfies done", async () => {
  let n = 0;
  assert.equal(
    await pollUntil(
      async () => ++n,
      (v) => v === 3,
      1000,
      1,
    ),
    3,
  );
});

test("pollUntil returns the last value when time runs out", async () => {
  const v = await pollUntil(
    async () => "never",
    () => false,
    20,
    5,
  );
  assert.equal(v, "never");
});

test("retryUntil names what it waited for and the last error", async () => {
  await assert.rejects(
    retryUntil(
      async () => {
        throw new Error("refused");
      },
      { timeoutMs: 20, intervalMs: 5, what: "the proxy" },
    ),
    /waiting for the proxy \(last error: refused\)/,
  );
});
