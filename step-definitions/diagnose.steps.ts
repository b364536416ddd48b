import assert from "node:assert/strict";
import { Then, When } from "@cucumber/cucumber";
import { QUESTION_IDS, type QuestionId } from "../src/diagnose/questions.js";
import type { LabWorld } from "./support/world.js";

const DEFAULT_LIMIT_MS = 30_000;

function question(name: string): QuestionId {
  if (!(QUESTION_IDS as readonly string[]).includes(name)) throw new Error(`unknown question "${name}"; questions: ${QUESTION_IDS.join(", ")}`);
  return name as QuestionId;
}

When("the heuristic {string} runs on {node}", { timeout: DEFAULT_LIMIT_MS + 30_000 }, async function (this: LabWorld, heuristic: string, seat: string) {
  await this.runHeuristic(heuristic, seat, DEFAULT_LIMIT_MS);
});

When(
  "the heuristic {string} runs on {node} for at most {duration}",
  { timeout: 120_000 },
  async function (this: LabWorld, heuristic: string, seat: string, ms: number) {
    await this.runHeuristic(heuristic, seat, ms);
  },
);

Then("it reports {word} {string}", function (this: LabWorld, q: string, verdict: string) {
  const v = this.lastVerdicts()[question(q)];
  assert.equal(String(v?.verdict), verdict, `${q}: ${v ? `said ${v.verdict} (${v.evidence})` : "no verdict"}`);
});

Then("its verdicts match the lab's ground truth", function (this: LabWorld) {
  const { right, wrong } = this.heuristicAgainstTruth();
  assert.equal(wrong.length, 0, `wrong verdicts:\n  ${wrong.join("\n  ")}`);
  assert.ok(right.length > 0, "it gave no verdict on any question the truth answers");
});

Then("its verdict on {word} is wrong", function (this: LabWorld, q: string) {
  const { wrong } = this.heuristicAgainstTruth();
  assert.ok(
    wrong.some((w) => w.startsWith(`${question(q)}:`)),
    `expected ${q} to be wrong; wrong: ${wrong.join("; ") || "none"}`,
  );
});

Then("the run is recorded as {word} with no verdicts", function (this: LabWorld, status: string) {
  const run = this.lastHeuristicRun();
  assert.equal(run.status, status, `the run was ${run.status}: ${JSON.stringify(run).slice(0, 400)}`);
  assert.ok(!("verdicts" in run), "a failed run must carry no verdicts");
});
