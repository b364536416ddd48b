import type { QuestionId } from "../questions.js";

// What the adapters for third-party diagnostic tools share: pure, so each tool's parser is unit tested on
// outputs captured from real runs in a lab (fixtures/), and the heuristics/<tool>.ts files stay thin.

/** A verdict in the contract's shape (README "Diagnostic heuristics"): an answer or "inconclusive", and evidence. */
export interface ToolVerdict {
  readonly verdict: string;
  readonly evidence: string;
}
export type ToolVerdicts = Partial<Record<QuestionId, ToolVerdict>>;

/** How one run of a tool ended. */
export interface ToolOutput {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The tool did not give a result (it failed, printed something its adapter does not know, or ran out of
 * time). A heuristic exits non-zero with this on stderr: the runner records a crash, never a verdict.
 */
export class ToolFailure extends Error {
  override name = "ToolFailure";
}

/** The contract's most evidence per verdict, less a margin. */
const EVIDENCE_LIMIT = 19_000;

/** A tool's raw output as evidence: its lines trimmed, blank ones dropped, cut to the contract's limit. */
export function evidenceOf(lines: readonly string[]): string {
  const text = lines
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .join("\n");
  return text.length > EVIDENCE_LIMIT ? `${text.slice(0, EVIDENCE_LIMIT)}\n…` : text;
}

export const lines = (s: string): string[] => s.split(/\r?\n/);

/** The report line the contract asks for: one JSON object on stdout. */
export function reportLine(name: string, version: string | undefined, verdicts: ToolVerdicts): string {
  return `${JSON.stringify({ heuristic: { name, ...(version ? { version } : {}) }, verdicts })}\n`;
}

/**
 * How long a tool may run: the heuristic's limit (CALLPATH_TIME_LIMIT_MS) less a margin to report in
 * (a tenth, at least 2 s), so a slow tool is this heuristic's failure and not the runner's kill.
 */
export function toolBudgetMs(env: Readonly<Record<string, string | undefined>>): number {
  const limit = Number(env.CALLPATH_TIME_LIMIT_MS);
  if (!Number.isFinite(limit) || limit <= 0)
    throw new ToolFailure(`CALLPATH_TIME_LIMIT_MS is ${JSON.stringify(env.CALLPATH_TIME_LIMIT_MS)}; a number of ms was expected`);
  return Math.max(1000, limit - Math.max(2000, Math.round(limit / 10)));
}

/** CALLPATH_STUN (and the like) as host and port; empty or malformed is a failure, never a public default. */
export function stunEndpoint(env: Readonly<Record<string, string | undefined>>, key = "CALLPATH_STUN"): { host: string; port: number } {
  const v = env[key] ?? "";
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(v);
  if (!m) throw new ToolFailure(`${key} is ${JSON.stringify(v)}; the lab's STUN server as ip:port was expected (the seat's topology has no TURN server?)`);
  return { host: m[1]!, port: Number(m[2]) };
}

/** The same verdict with the same evidence for several questions. */
export function each(questions: Readonly<Partial<Record<QuestionId, string>>>, evidence: string): ToolVerdicts {
  const out: ToolVerdicts = {};
  for (const [q, verdict] of Object.entries(questions)) if (verdict !== undefined) out[q as QuestionId] = { verdict, evidence };
  return out;
}
