/** One problem found in a topology file: where (a dotted path) and what. */
export interface Issue {
  readonly path: string;
  readonly message: string;
}

/** Base of every error callpath raises on purpose; anything else is a bug. */
export class LabError extends Error {
  override name = "LabError";
}

/** A topology file that cannot be used; lists every issue found, never just the first. */
export class TopologyError extends LabError {
  override name = "TopologyError";
  constructor(
    readonly file: string,
    readonly issues: readonly Issue[],
  ) {
    super(`${file}: ${issues.length} problem${issues.length === 1 ? "" : "s"}\n${formatIssues(file, issues)}`);
  }
}

export function formatIssues(file: string, issues: readonly Issue[]): string {
  return issues.map((i) => `${file}: ${i.path || "(top)"}: ${i.message}`).join("\n");
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
    super(errors, `lab ${labId}: ${errors.length} teardown step(s) failed:\n${errors.map((e) => `  - ${e instanceof Error ? e.message : String(e)}`).join("\n")}`);
  }
}
