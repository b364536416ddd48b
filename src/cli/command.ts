import type { ParseArgsConfig } from "node:util";
import { LabError } from "../common/errors.js";

// Exit codes, for every command: 0 done, 1 a check or an action failed, 2 the command line was wrong.
export const OK = 0;
export const FAILED = 1;
export const USAGE_ERROR = 2;

export interface Command {
  readonly usage: string;
  readonly summary: string;
  readonly help: string;
  readonly options?: ParseArgsConfig["options"];
  run(positionals: string[], values: Record<string, unknown>): Promise<number>;
}

/** The command line was wrong: exit 2, with the command's name before the message. */
export class UsageError extends LabError {
  override name = "UsageError";
}
