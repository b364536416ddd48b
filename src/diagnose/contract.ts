import { z } from "zod";
import { QUESTION_IDS, QUESTIONS, describeAnswers, type Answer, type QuestionId } from "./questions.js";

// The heuristic contract: what callpath gives a heuristic (its environment) and what it must print (one
// JSON object on stdout). Documented in README "Diagnostic heuristics"; both ends are checked here.

/** The environment a heuristic runs with. Every value is the lab's own; none names an outside host. */
export const HEURISTIC_ENV = {
  CALLPATH_SEAT: "the seat's node name",
  CALLPATH_SEAT_ADDRESS: "the seat's own address on its LAN",
  CALLPATH_SIP_SERVER: "the SIP server's address",
  CALLPATH_SIP_DOMAIN: "the SIP domain (callpath.test)",
  CALLPATH_SIP_PORTS: "SIP ports as udp=5060,tcp=5060,tls=5061,ws=80,wss=443,udp-alt=5080",
  CALLPATH_SIP_MIRROR: "the SIP mirror's address (answers each request with the bytes that arrived), or empty",
  CALLPATH_SIP_MIRROR_PORTS: "its UDP and TCP ports (5060,5080), or empty",
  CALLPATH_STUN: "the STUN/TURN server as ip:port (3478), or empty",
  CALLPATH_STUN_ALT: "its second address for RFC 5780 (ip:port; 3479 beside it), or empty",
  CALLPATH_TURN_TLS: "TURN over TLS as ip:port (443 and 5349)",
  CALLPATH_TURN_USERNAME: "TURN long-term credential: user name",
  CALLPATH_TURN_PASSWORD: "TURN long-term credential: password",
  CALLPATH_TURN_REALM: "TURN realm",
  CALLPATH_TIME_LIMIT_MS: "the heuristic is killed after this long; finish well before",
} as const;
export type HeuristicEnv = Record<keyof typeof HEURISTIC_ENV, string>;

/** The longest stdout kept: a heuristic's report is small; anything past this is cut and marked malformed. */
export const STDOUT_LIMIT = 256 * 1024;

const Value = z.union([z.string().max(200), z.number().finite()]);
const Entry = z.union([Value, z.object({ verdict: Value, evidence: z.string().max(20_000).optional() }).strip()]);

/** What a heuristic prints: `{"verdicts": {"sipAlg": {"verdict": "yes", "evidence": "..."}, ...}}`. */
export const HeuristicOutput = z
  .object({
    heuristic: z
      .object({ name: z.string().max(200), version: z.string().max(100).optional() })
      .strip()
      .optional(),
    verdicts: z.record(z.string().max(100), Entry),
  })
  .strip();

export interface Verdict {
  /** An answer from the question's shape, or "inconclusive" (the heuristic cannot tell). */
  readonly verdict: Answer | "inconclusive";
  readonly evidence: string;
}

/** What running a heuristic once gave: verdicts, or why there are none. Never a verdict made up for it. */
export type HeuristicRun =
  | {
      readonly status: "ok";
      readonly name: string;
      readonly verdicts: Partial<Record<QuestionId, Verdict>>;
      /** Verdicts the output gave that are not callpath questions, or not in a question's shape: not scored. */
      readonly ignored: readonly string[];
      readonly ms: number;
      readonly stderr: string;
    }
  | { readonly status: "crashed"; readonly exitCode: number | null; readonly stderr: string; readonly stdout: string; readonly ms: number }
  | { readonly status: "timeout"; readonly limitMs: number; readonly stderr: string; readonly stdout: string; readonly ms: number }
  | { readonly status: "malformed"; readonly reason: string; readonly stdout: string; readonly stderr: string; readonly ms: number };

function inShape(question: QuestionId, value: string | number): Answer | "inconclusive" | undefined {
  if (value === "inconclusive") return value;
  const shape = QUESTIONS[question].shape as { type: string; choices?: readonly string[] };
  if (shape.type === "number") return typeof value === "number" ? value : undefined;
  if (shape.type === "yes-no") return value === "yes" || value === "no" ? value : undefined;
  return typeof value === "string" && shape.choices!.includes(value) ? value : undefined;
}

const tail = (s: string, n = 4000): string => (s.length > n ? `…${s.slice(-n)}` : s);

/**
 * Judges one run from its exit, stdout and stderr. The last line of stdout that is a JSON object is the
 * report (a heuristic may log before it); zero exit and a valid report give verdicts, anything else a
 * failure that says what went wrong.
 */
export function judgeRun(
  r: {
    exitCode: number | null;
    timedOut: boolean;
    stdout: string;
    /** How much stdout there was, when `stdout` holds only its start. */
    stdoutChars?: number;
    stderr: string;
    ms: number;
    limitMs: number;
  },
  fallbackName: string,
): HeuristicRun {
  const stderr = tail(r.stderr);
  if (r.timedOut) return { status: "timeout", limitMs: r.limitMs, stderr, stdout: tail(r.stdout), ms: r.ms };
  if (r.exitCode !== 0) return { status: "crashed", exitCode: r.exitCode, stderr, stdout: tail(r.stdout), ms: r.ms };
  const chars = Math.max(r.stdoutChars ?? 0, r.stdout.length);
  if (chars > STDOUT_LIMIT)
    return { status: "malformed", reason: `stdout is ${chars} characters; a report may be at most ${STDOUT_LIMIT}`, stdout: tail(r.stdout), stderr, ms: r.ms };
  const line = r.stdout
    .split("\n")
    .map((l) => l.trim())
    .reverse()
    .find((l) => l.startsWith("{"));
  if (!line) return { status: "malformed", reason: "stdout holds no JSON object (the report is one line of JSON)", stdout: tail(r.stdout), stderr, ms: r.ms };
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (e) {
    return { status: "malformed", reason: `the report is not JSON: ${(e as Error).message}`, stdout: tail(r.stdout), stderr, ms: r.ms };
  }
  const parsed = HeuristicOutput.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    return {
      status: "malformed",
      reason: `the report does not follow the contract at ${first.path.join(".") || "(top)"}: ${first.message}`,
      stdout: tail(r.stdout),
      stderr,
      ms: r.ms,
    };
  }
  const verdicts: Partial<Record<QuestionId, Verdict>> = {};
  const ignored: string[] = [];
  for (const [q, entry] of Object.entries(parsed.data.verdicts)) {
    const { verdict, evidence } = typeof entry === "object" ? entry : { verdict: entry, evidence: undefined };
    if (!(QUESTION_IDS as readonly string[]).includes(q)) {
      ignored.push(`${q}: not a question callpath scores (${QUESTION_IDS.join(", ")})`);
      continue;
    }
    const id = q as QuestionId;
    const v = inShape(id, verdict);
    if (v === undefined) ignored.push(`${q}: ${JSON.stringify(verdict)} is not an answer (${describeAnswers(id)}, or inconclusive)`);
    else verdicts[id] = { verdict: v, evidence: evidence ?? "" };
  }
  return { status: "ok", name: parsed.data.heuristic?.name ?? fallbackName, verdicts, ignored, ms: r.ms, stderr };
}
