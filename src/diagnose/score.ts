import type { HeuristicRun } from "./contract.js";
import type { MatrixCase } from "./matrix.js";
import { isRight, QUESTION_IDS, QUESTIONS, type Answer, type QuestionId } from "./questions.js";
import type { Truth } from "./truth-types.js";

// Scoring: each case × heuristic × question becomes one judgement, and per heuristic and question the
// judgements are counted into a confusion matrix. An inconclusive verdict is counted apart (its own rate),
// never as right or wrong; a heuristic that crashed, hung or printed garbage answered nothing.

/** A heuristic that was not run in a case (its lab did not start, or it cannot sit at that seat). */
export interface NotRun {
  readonly status: "not-run";
  readonly reason: string;
}

export interface CaseResult {
  readonly case: MatrixCase;
  /** Null when the case's topology or lab failed: `error` says why. */
  readonly truth: Truth | null;
  readonly error?: string;
  /** Heuristic name → what its run gave. */
  readonly runs: Readonly<Record<string, HeuristicRun | NotRun>>;
  /** The whole case: lab up, every heuristic, lab down. */
  readonly labMs: number;
}

export type Outcome = "right" | "wrong" | "inconclusive" | "unanswered";

export interface Judgement {
  readonly caseId: string;
  readonly heuristic: string;
  readonly question: QuestionId;
  readonly truth: Answer;
  readonly verdict: Answer | "inconclusive" | null;
  readonly outcome: Outcome;
  readonly evidence: string;
}

/** Every judgement: questions the truth answers and the heuristic was asked (it answered one of them at least somewhere). */
export function judge(results: readonly CaseResult[], heuristic: string, questions: readonly QuestionId[]): Judgement[] {
  const out: Judgement[] = [];
  for (const r of results) {
    const run = r.runs[heuristic];
    if (!r.truth || !run) continue;
    for (const q of questions) {
      const truth = r.truth.answers[q];
      if (truth === undefined) continue;
      const v = run.status === "ok" ? run.verdicts[q] : undefined;
      const verdict = v?.verdict ?? null;
      const outcome: Outcome = verdict === null ? "unanswered" : verdict === "inconclusive" ? "inconclusive" : isRight(q, truth, verdict) ? "right" : "wrong";
      out.push({ caseId: r.case.id, heuristic, question: q, truth, verdict, outcome, evidence: v?.evidence ?? "" });
    }
  }
  return out;
}

/** The questions a heuristic answered in at least one case: those are the ones it is scored on. */
export function questionsAnswered(results: readonly CaseResult[], heuristic: string): QuestionId[] {
  const asked = new Set<QuestionId>();
  for (const r of results) {
    const run = r.runs[heuristic];
    if (run?.status === "ok") for (const q of Object.keys(run.verdicts) as QuestionId[]) asked.add(q);
  }
  return QUESTION_IDS.filter((q) => asked.has(q));
}

export interface QuestionScore {
  readonly question: QuestionId;
  readonly heuristic: string;
  /** Cases with a truth for this question. */
  readonly cases: number;
  /** yes/no questions: "yes" is the positive class. */
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
  readonly right: number;
  readonly wrong: number;
  readonly inconclusive: number;
  /** The heuristic failed (crash, timeout, malformed) or did not answer this question in the case. */
  readonly unanswered: number;
  /**
   * yes/no: TP/(TP+FP) and TP/(TP+FN). Choices and numbers: both are the share right of the cases
   * answered (there is no single positive class). Null when nothing was there to count.
   */
  readonly precision: number | null;
  readonly recall: number | null;
  /** Inconclusive verdicts per case with a truth. */
  readonly inconclusiveRate: number | null;
  /** Choices: truth → verdict → count, the whole matrix. */
  readonly table: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);

export function scoreQuestion(judgements: readonly Judgement[], heuristic: string, question: QuestionId): QuestionScore {
  const js = judgements.filter((j) => j.heuristic === heuristic && j.question === question);
  const count = (p: (j: Judgement) => boolean): number => js.filter(p).length;
  const table: Record<string, Record<string, number>> = {};
  for (const j of js) {
    const row = (table[String(j.truth)] ??= {});
    const col = j.verdict === null ? "(none)" : String(j.verdict);
    row[col] = (row[col] ?? 0) + 1;
  }
  const right = count((j) => j.outcome === "right");
  const wrong = count((j) => j.outcome === "wrong");
  const yesNo = QUESTIONS[question].shape.type === "yes-no";
  const tp = yesNo ? count((j) => j.outcome === "right" && j.verdict === "yes") : 0;
  const tn = yesNo ? count((j) => j.outcome === "right" && j.verdict === "no") : 0;
  const fp = yesNo ? count((j) => j.outcome === "wrong" && j.verdict === "yes") : 0;
  const fn = yesNo ? count((j) => j.outcome === "wrong" && j.verdict === "no") : 0;
  const inconclusive = count((j) => j.outcome === "inconclusive");
  return {
    question,
    heuristic,
    cases: js.length,
    tp,
    fp,
    tn,
    fn,
    right,
    wrong,
    inconclusive,
    unanswered: count((j) => j.outcome === "unanswered"),
    precision: yesNo ? ratio(tp, tp + fp) : ratio(right, right + wrong),
    recall: yesNo ? ratio(tp, tp + fn) : ratio(right, right + wrong),
    inconclusiveRate: ratio(inconclusive, js.length),
    table,
  };
}

/** `--require [heuristic:]sipAlg=0.95,0.9`: a question's minimum precision and recall (for one heuristic, or all). */
export interface Requirement {
  readonly heuristic?: string;
  readonly question: QuestionId;
  readonly precision: number;
  readonly recall: number;
}

export function parseRequirement(text: string): Requirement {
  // The heuristic's name may hold colons itself (an image's tag): the question follows the last one.
  const m = /^(?:(\S{1,300}):)?([A-Za-z]+)=([0-9.]+),([0-9.]+)$/.exec(text.trim());
  const q = m?.[2] as QuestionId | undefined;
  if (!m || !q || !(QUESTION_IDS as readonly string[]).includes(q))
    throw new Error(
      `--require ${JSON.stringify(text)}: give [heuristic:]question=precision,recall (e.g. sipAlg=1,0.9 or reference:natType=1,1); questions: ${QUESTION_IDS.join(", ")}`,
    );
  const [p, r] = [Number(m[3]), Number(m[4])];
  if (!(p >= 0 && p <= 1 && r >= 0 && r <= 1)) throw new Error(`--require ${JSON.stringify(text)}: precision and recall are between 0 and 1`);
  return { ...(m[1] ? { heuristic: m[1] } : {}), question: q, precision: p, recall: r };
}

/** A requirement a score misses, as a sentence; undefined when met. Nothing counted cannot miss: no verdict was wrong. */
export function missed(score: QuestionScore, req: Requirement): string | undefined {
  // A requirement needs evidence: a heuristic that never commits (inconclusive, or no verdict) cannot meet it.
  if (score.right + score.wrong === 0)
    return `${score.heuristic} ${score.question}: no verdict to judge in ${score.cases} case(s) (all inconclusive or unanswered)`;
  const positives = Object.values(score.table.yes ?? {}).reduce((a, b) => a + b, 0);
  if (QUESTIONS[score.question].shape.type === "yes-no" && req.recall > 0 && positives > 0 && score.tp + score.fn === 0)
    return `${score.heuristic} ${score.question}: recall unknown, every one of the ${positives} case(s) whose truth is yes went without a yes or no`;
  const low: string[] = [];
  if (score.precision !== null && score.precision < req.precision) low.push(`precision ${score.precision.toFixed(3)} < ${req.precision}`);
  if (score.recall !== null && score.recall < req.recall) low.push(`recall ${score.recall.toFixed(3)} < ${req.recall}`);
  return low.length > 0 ? `${score.heuristic} ${score.question}: ${low.join(", ")}` : undefined;
}
