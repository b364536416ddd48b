import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

const ROOT = join(import.meta.dirname, "..");

test("the dry run fails on a feature with an undefined step, and names it", () => {
  // Inside the project: cucumber resolves feature paths against it.
  const dir = mkdtempSync(join(ROOT, ".dry-run-test-"));
  try {
    const feature = join(dir, "undefined.feature");
    writeFileSync(feature, "Feature: f\n  Scenario: s\n    Given a step that nobody ever defined\n");
    const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "scripts/dry-run.ts"), feature], { cwd: ROOT, encoding: "utf8" });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /undefined step: a step that nobody ever defined/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
