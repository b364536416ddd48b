/** One problem found in a topology file: where (a dotted path) and what. */
export interface Issue {
  readonly path: string;
  readonly message: string;
}

/** Base of every error callpath raises on purpose; anything else is a bug. */
export class LabError extends Error {
  override name = "LabError";
}

/** Issues a TopologyError keeps; the rest are counted in one "and N more" line. */
export const MAX_ISSUES = 100;
/** Longest echo of an input value inside a message (then an ellipsis). */
export const MAX_ECHO = 60;
const MAX_PATH = 160;
const MAX_MESSAGE = 600;

/**
 * Control characters, line breaks and bidirectional overrides from the input, escaped JSON-style
 * (`\n`, `\u001b`), so that one problem is one line and a terminal shows it as written.
 */
export function escapeControl(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, (c) => {
    const short: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
    return short[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

/** `text` cut to `max` characters with an ellipsis. */
export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** An input value as a message quotes it: JSON-style, escaped, at most MAX_ECHO characters. */
export function echo(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(truncate(value, MAX_ECHO)) : describeValue(value);
  return escapeControl(text);
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return truncate(String(value), MAX_ECHO);
}

/** A list of choices for a message: every one, unless there are many (then the first 20 and a count). */
export function choices(list: readonly string[], sep = ", "): string {
  if (list.length === 0) return "(none)";
  return list.length > 20 ? `${list.slice(0, 20).join(sep)}${sep}and ${list.length - 20} more` : list.join(sep);
}

/** One issue as it is printed: escaped, bounded. */
function cleanIssue(i: Issue): Issue {
  return { path: truncate(escapeControl(i.path), MAX_PATH), message: truncate(escapeControl(i.message), MAX_MESSAGE) || "invalid" };
}

/** A topology file that cannot be used; lists every issue found (the first MAX_ISSUES), never just the first. */
export class TopologyError extends LabError {
  override name = "TopologyError";
  readonly issues: readonly Issue[];
  constructor(
    readonly file: string,
    issues: readonly Issue[],
  ) {
    const kept = issues.slice(0, MAX_ISSUES).map(cleanIssue);
    if (issues.length > MAX_ISSUES) kept.push({ path: "", message: `and ${issues.length - MAX_ISSUES} more problems` });
    super(`${file}: ${issues.length} problem${issues.length === 1 ? "" : "s"}\n${formatIssues(file, kept)}`);
    this.issues = kept;
  }
}

export function formatIssues(file: string, issues: readonly Issue[]): string {
  return issues.map((i) => `${escapeControl(file)}: ${i.path || "(top)"}: ${i.message}`).join("\n");
}

/** A command run inside a node that failed. */
export class ExecError extends LabError {
  override name = "ExecError";
  constructor(
    readonly node: string,
    readonly cmd: readonly string[],
    readonly exitCode: number,
    readonly output: string,
  ) {
    super(`[${node}] \`${cmd.join(" ")}\` exited ${exitCode}: ${output.trim().slice(0, 2000)}`);
  }
}

/** Teardown kept going past failures; this carries all of them. */
export class TeardownError extends AggregateError {
  override name = "TeardownError";
  constructor(labId: string, errors: readonly unknown[]) {
    super(
      errors,
      `lab ${labId}: ${errors.length} teardown step(s) failed:\n${errors.map((e) => `  - ${e instanceof Error ? e.message : String(e)}`).join("\n")}`,
    );
  }
}
