import assert from "node:assert/strict";
import { test } from "node:test";
import { retriedScenarios } from "./retried-scenarios-model.js";

const lines = (...xs: object[]): string => xs.map((x) => JSON.stringify(x)).join("\n");
const pickle = (id: string, name: string) => ({ pickle: { id, uri: "features/x.feature", name } });
const tc = (id: string, pickleId: string) => ({ testCase: { id, pickleId } });
const start = (id: string, testCaseId: string, attempt: number) => ({ testCaseStarted: { id, testCaseId, attempt } });
const step = (testCaseStartedId: string, status: string, message?: string) => ({
  testStepFinished: { testCaseStartedId, testStepResult: { status, message } },
});
const done = (testCaseStartedId: string, willBeRetried: boolean) => ({ testCaseFinished: { testCaseStartedId, willBeRetried } });

test("a scenario that failed and passed on retry is listed with its first failure; one that passed at once is not", () => {
  const r = retriedScenarios(
    lines(
      pickle("p1", "flaky one"),
      pickle("p2", "solid"),
      tc("c1", "p1"),
      tc("c2", "p2"),
      start("s1", "c1", 0),
      step("s1", "PASSED"),
      step("s1", "FAILED", "AssertionError: jitter\n  at x"),
      done("s1", true),
      start("s2", "c1", 1),
      step("s2", "PASSED"),
      done("s2", false),
      start("s3", "c2", 0),
      step("s3", "PASSED"),
      done("s3", false),
    ),
  );
  assert.deepEqual(r, [{ uri: "features/x.feature", name: "flaky one", failedAttempts: 1, finalStatus: "PASSED", firstFailure: "AssertionError: jitter" }]);
});

test("a scenario that failed every attempt is listed as failed; no retries, no rows", () => {
  const r = retriedScenarios(
    lines(
      pickle("p1", "broken"),
      tc("c1", "p1"),
      start("s1", "c1", 0),
      step("s1", "FAILED", "e1"),
      done("s1", true),
      start("s2", "c1", 1),
      step("s2", "FAILED", "e2"),
      done("s2", false),
    ),
  );
  assert.equal(r[0]?.finalStatus, "FAILED");
  assert.equal(r[0]?.firstFailure, "e1");
  assert.deepEqual(retriedScenarios(lines(pickle("p1", "x"), tc("c1", "p1"), start("s1", "c1", 0), done("s1", false))), []);
  assert.deepEqual(retriedScenarios(""), []);
});
