import assert from "node:assert/strict";
import { test } from "node:test";
import type { HeuristicRun } from "./contract.js";
import { buildReport, junitXml, reportHtml, summaryText } from "./report.js";
import { judge, missed, parseRequirement, questionsAnswered, scoreQuestion, type CaseResult } from "./score.js";
import type { Truth } from "./truth-types.js";

const truth = (answers: Truth["answers"]): Truth => ({ answers }) as unknown as Truth;
const ok = (verdicts: Record<string, string | number>): HeuristicRun => ({
  status: "ok",
  name: "h",
  verdicts: Object.fromEntries(Object.entries(verdicts).map(([q, v]) => [q, { verdict: v, evidence: `saw ${v}` }])),
  ignored: [],
  ms: 1200,
  stderr: "",
});
const kase = (id: string, answers: Truth["answers"], run: CaseResult["runs"][string] | undefined): CaseResult => ({
  case: { id, topology: "t", variant: id, seat: "s", overrides: [] },
  truth: truth(answers),
  runs: run ? { h: run } : {},
  labMs: 5000,
});

const results: CaseResult[] = [
  kase("tp", { sipAlg: "yes", natType: "symmetric" }, ok({ sipAlg: "yes", natType: "symmetric" })),
  kase("fp", { sipAlg: "no", natType: "full-cone" }, ok({ sipAlg: "yes", natType: "port-restricted-cone" })),
  kase("tn", { sipAlg: "no", natType: "none" }, ok({ sipAlg: "no", natType: "none" })),
  kase("fn", { sipAlg: "yes" }, ok({ sipAlg: "no", natType: "none" })),
  kase("inc", { sipAlg: "yes", natType: "none" }, ok({ sipAlg: "inconclusive" })),
  kase("crash", { sipAlg: "yes", natType: "none" }, { status: "crashed", exitCode: 3, stderr: "boom <&>", stdout: "", ms: 50 }),
];

test("a confusion matrix per question: TP/FP/TN/FN for yes/no, right/wrong for choices, inconclusive and failures apart", () => {
  const qs = questionsAnswered(results, "h");
  assert.deepEqual(qs, ["sipAlg", "natType"]);
  const js = judge(results, "h", qs);
  const alg = scoreQuestion(js, "h", "sipAlg");
  assert.deepEqual([alg.tp, alg.fp, alg.tn, alg.fn, alg.inconclusive, alg.unanswered, alg.cases], [1, 1, 1, 1, 1, 1, 6]);
  assert.equal(alg.precision, 0.5);
  assert.equal(alg.recall, 0.5);
  assert.equal(alg.inconclusiveRate, 1 / 6);
  const nat = scoreQuestion(js, "h", "natType");
  // "fn" has no natType truth, so it is not counted; "inc" answered nothing for it.
  assert.deepEqual([nat.right, nat.wrong, nat.unanswered, nat.cases], [2, 1, 2, 5]);
  assert.equal(nat.precision, 2 / 3);
  assert.equal(nat.table["full-cone"]?.["port-restricted-cone"], 1);
});

test("--require question=precision,recall: parsed strictly; a miss names the heuristic and the figure", () => {
  assert.deepEqual(parseRequirement("sipAlg=1,0.9"), { question: "sipAlg", precision: 1, recall: 0.9 });
  assert.deepEqual(parseRequirement("reference:natType=1,1"), { heuristic: "reference", question: "natType", precision: 1, recall: 1 });
  assert.equal(parseRequirement("callpath-test/always-alg:ci:sipAlg=1,0").heuristic, "callpath-test/always-alg:ci");
  assert.throws(() => parseRequirement("colour=1,1"), /questions: sipAlg/);
  assert.throws(() => parseRequirement("sipAlg=2,1"), /between 0 and 1/);
  assert.throws(() => parseRequirement("sipAlg"), /question=precision,recall/);
  const s = scoreQuestion(judge(results, "h", ["sipAlg"]), "h", "sipAlg");
  assert.equal(missed(s, { question: "sipAlg", precision: 0.5, recall: 0.5 }), undefined);
  assert.match(missed(s, { question: "sipAlg", precision: 0.9, recall: 0.4 }) ?? "", /h sipAlg: precision 0.500 < 0.9$/);
  // A heuristic that never commits cannot meet a requirement, nor one that left every positive case open.
  const shy = [kase("a", { sipAlg: "yes" }, ok({ sipAlg: "inconclusive" })), kase("b", { sipAlg: "no" }, ok({ sipAlg: "inconclusive" }))];
  assert.match(missed(scoreQuestion(judge(shy, "h", ["sipAlg"]), "h", "sipAlg"), { question: "sipAlg", precision: 1, recall: 1 }) ?? "", /no verdict to judge/);
  const noYes = [kase("a", { sipAlg: "yes" }, ok({ sipAlg: "inconclusive" })), kase("b", { sipAlg: "no" }, ok({ sipAlg: "no" }))];
  assert.match(missed(scoreQuestion(judge(noYes, "h", ["sipAlg"]), "h", "sipAlg"), { question: "sipAlg", precision: 1, recall: 1 }) ?? "", /recall unknown/);
});

test("reports: JUnit has a failing test case per wrong verdict and an error per failed run; HTML and text carry the figures", () => {
  const r = buildReport("m", ["h"], results, 60_000, 2);
  const xml = junitXml(r);
  assert.equal((xml.match(/<failure /g) ?? []).length, 3, "fp and fn for sipAlg, fp for natType");
  assert.equal((xml.match(/<error /g) ?? []).length, 1);
  assert.match(xml, /boom &lt;&amp;&gt;/);
  assert.match(xml, /<testsuite name="h" tests="\d+" failures="3" errors="1" skipped="2">/, "inconclusive, and a question answered elsewhere but not here");
  const html = reportHtml(r);
  assert.match(html, /<h3>sipAlg<\/h3>/);
  assert.match(html, /precision 50.0 %/);
  const text = summaryText(r);
  assert.match(text, /h: 6 cases, 1 without verdicts/);
  assert.match(text, /fp sipAlg: said yes, truth no/);
  assert.match(text, /--parallel 2/);
});
