import assert from "node:assert/strict";
import { test } from "node:test";
import { judgeRun, STDOUT_LIMIT } from "./contract.js";

const base = { exitCode: 0, timedOut: false, stdout: "", stderr: "", ms: 10, limitMs: 30_000 };

test("a report on the last JSON line gives verdicts; log lines before it are fine; names come from the report", () => {
  const r = judgeRun(
    {
      ...base,
      stdout: 'starting\n{"heuristic":{"name":"mine"},"verdicts":{"sipAlg":{"verdict":"yes","evidence":"Via changed"},"natType":"symmetric","pathMtu":1400}}\n',
    },
    "file",
  );
  assert.equal(r.status, "ok");
  if (r.status !== "ok") return;
  assert.equal(r.name, "mine");
  assert.deepEqual(r.verdicts.sipAlg, { verdict: "yes", evidence: "Via changed" });
  assert.deepEqual(r.verdicts.natType, { verdict: "symmetric", evidence: "" });
  assert.equal(r.verdicts.pathMtu?.verdict, 1400);
  assert.deepEqual(r.ignored, []);
});

test("answers outside a question's shape and unknown questions are ignored with the reason, not scored", () => {
  const r = judgeRun({ ...base, stdout: '{"verdicts":{"sipAlg":"maybe","natType":"cone","pathMtu":"big","colour":"blue","vpn":"inconclusive"}}' }, "h");
  assert.equal(r.status, "ok");
  if (r.status !== "ok") return;
  assert.deepEqual(Object.keys(r.verdicts), ["vpn"]);
  assert.equal(r.name, "h");
  assert.equal(r.ignored.length, 4);
  assert.match(r.ignored.join("\n"), /sipAlg: "maybe" is not an answer \(yes, no, or inconclusive\)/);
  assert.match(r.ignored.join("\n"), /colour: not a question callpath scores/);
  assert.match(r.ignored.join("\n"), /natType: "cone" is not an answer \(none, full-cone/);
});

test("a crash, a timeout, no JSON, broken JSON, the wrong shape and too much output are failures, never verdicts", () => {
  const crashed = judgeRun({ ...base, exitCode: 3, stdout: '{"verdicts":{"sipAlg":"yes"}}', stderr: "boom" }, "h");
  assert.equal(crashed.status, "crashed");
  assert.equal(crashed.status === "crashed" && crashed.exitCode, 3);
  assert.equal(judgeRun({ ...base, timedOut: true, exitCode: 124, stdout: '{"verdicts":{}}' }, "h").status, "timeout");
  const none = judgeRun({ ...base, stdout: "sipAlg: yes\n" }, "h");
  assert.equal(none.status, "malformed");
  assert.match(none.status === "malformed" ? none.reason : "", /no JSON object/);
  const broken = judgeRun({ ...base, stdout: "{not json\n" }, "h");
  assert.match(broken.status === "malformed" ? broken.reason : "", /not JSON/);
  const shape = judgeRun({ ...base, stdout: '{"verdicts":["yes"]}' }, "h");
  assert.match(shape.status === "malformed" ? shape.reason : "", /at verdicts/);
  const big = judgeRun({ ...base, stdout: '{"verdicts":{}}', stdoutChars: STDOUT_LIMIT + 1 }, "h");
  assert.match(big.status === "malformed" ? big.reason : "", /at most/);
});
