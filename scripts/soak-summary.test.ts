import assert from "node:assert/strict";
import { test } from "node:test";
import { soakSummary } from "./soak-summary.js";

const run = (n: number, status: string): string =>
  [
    { pickle: { id: "p1", name: "alice calls bob", uri: "features/baseline.feature" } },
    { testCase: { id: "c1", pickleId: "p1" } },
    { testCaseStarted: { id: `a${n}`, testCaseId: "c1" } },
    { testStepFinished: { testCaseStartedId: `a${n}`, testStepResult: { status: "PASSED" } } },
    {
      testStepFinished: {
        testCaseStartedId: `a${n}`,
        testStepResult: status === "PASSED" ? { status } : { status, message: "AssertionError: no audio\n  at x" },
      },
    },
  ]
    .map((m) => JSON.stringify(m))
    .join("\n");

test("soak summary counts passes per scenario and keeps the first line of each failure", () => {
  const s = soakSummary([
    { run: 1, exitCode: 0, seconds: 10, messages: run(1, "PASSED") },
    { run: 2, exitCode: 1, seconds: 11, messages: run(2, "FAILED") },
  ]);
  assert.equal(s.json.scenarios.length, 1);
  assert.equal(s.json.scenarios[0]!.passed, 1);
  assert.equal(s.json.scenarios[0]!.runs, 2);
  assert.deepEqual(s.json.scenarios[0]!.failures, ["run 2: FAILED: AssertionError: no audio"]);
  assert.match(s.markdown, /\| baseline.feature \| alice calls bob \| 1\/2 \|/);
});

test("scenarios that share a name are counted apart", () => {
  const twice = [
    { pickle: { id: "p1", name: "same", uri: "f.feature" } },
    { pickle: { id: "p2", name: "same", uri: "f.feature" } },
    { testCase: { id: "c1", pickleId: "p1" } },
    { testCase: { id: "c2", pickleId: "p2" } },
    { testCaseStarted: { id: "a1", testCaseId: "c1" } },
    { testCaseStarted: { id: "a2", testCaseId: "c2" } },
    { testStepFinished: { testCaseStartedId: "a1", testStepResult: { status: "PASSED" } } },
    { testStepFinished: { testCaseStartedId: "a2", testStepResult: { status: "PASSED" } } },
  ]
    .map((m) => JSON.stringify(m))
    .join("\n");
  const s = soakSummary([{ run: 1, exitCode: 0, seconds: 1, messages: twice }]);
  assert.deepEqual(
    s.json.scenarios.map((x) => [x.scenario, x.passed, x.runs]),
    [
      ["same", 1, 1],
      ["same (#2)", 1, 1],
    ],
  );
});

test("a run in which a scenario never appeared counts against it", () => {
  const s = soakSummary([
    { run: 1, exitCode: 0, seconds: 10, messages: run(1, "PASSED") },
    { run: 2, exitCode: 1, seconds: 1, messages: "" },
  ]);
  assert.equal(s.json.scenarios[0]!.passed, 1);
  assert.equal(s.json.scenarios[0]!.runs, 2);
  assert.match(s.json.scenarios[0]!.failures[0]!, /NOT RUN/);
});

test("scenarios a tag filter left out are not counted", () => {
  const filtered = [JSON.stringify({ pickle: { id: "px", name: "not selected", uri: "g.feature" } }), run(1, "PASSED")].join("\n");
  const s = soakSummary([{ run: 1, exitCode: 0, seconds: 1, messages: filtered }]);
  assert.deepEqual(
    s.json.scenarios.map((x) => x.scenario),
    ["alice calls bob"],
  );
});
