import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { withFileLock } from "./file-lock.js";

test("withFileLock runs holders one at a time and releases after a failure", async () => {
  const dir = await mkdtemp(join(tmpdir(), "cp-lock-"));
  try {
    const lock = join(dir, "x.lock");
    const order: string[] = [];
    const holder = (name: string, ms: number) =>
      withFileLock(lock, async () => {
        order.push(`${name}+`);
        await new Promise((r) => setTimeout(r, ms));
        order.push(`${name}-`);
      });
    await Promise.all([holder("a", 150), holder("b", 10)]);
    assert.ok(order.join(" ") === "a+ a- b+ b-" || order.join(" ") === "b+ b- a+ a-", order.join(" "));
    await assert.rejects(
      withFileLock(lock, async () => Promise.reject(new Error("boom"))),
      /boom/,
    );
    assert.equal(await withFileLock(lock, async () => 42, { waitMs: 1000 }), 42);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
