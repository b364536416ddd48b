import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { LabError } from "../common/errors.js";
import { writeJson } from "../common/json-file.js";
import { PROJECT_ROOT } from "../lab/images.js";
import type { TopologyOverrides } from "../topology/load.js";

// `.callpath-up.json` at the project root: the lab `callpath up` started, and the topology it was started
// from (its path, its text as it was then, and the --set overrides), so that a later command (`call`,
// `impair`, `shell`) rebuilds the same lab view even if the file has been edited since.

/** CALLPATH_STATE_FILE moves it (the live-lab CI run keeps its own, beside a person's lab). */
export const STATE_FILE = process.env.CALLPATH_STATE_FILE ?? join(PROJECT_ROOT, ".callpath-up.json");

export interface UpState {
  readonly id: string;
  /** The topology's name. */
  readonly topology: string;
  /** The topology file, as given to `up` (absolute). */
  readonly file: string;
  /** Its text when the lab started. */
  readonly text: string;
  readonly overrides: TopologyOverrides;
  readonly startedAt: string;
}

/** The state from its JSON, or why it cannot be used (a file from an older callpath has no topology text). */
export function parseUpState(json: string): UpState | string {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch (e) {
    return `not JSON (${(e as Error).message})`;
  }
  const s = v as Partial<Record<keyof UpState, unknown>>;
  if (typeof s?.id !== "string" || !/^[0-9a-f]{8}$/.test(s.id)) return "it names no lab id";
  if (typeof s.file !== "string" || typeof s.text !== "string")
    return `lab ${s.id} was recorded by a callpath that kept no topology with it; remove it (callpath down) and start it again`;
  const overrides = Array.isArray(s.overrides) ? s.overrides : [];
  if (!overrides.every((o): o is [string, string] => Array.isArray(o) && o.length === 2 && o.every((x) => typeof x === "string")))
    return "its overrides are not [path, value] pairs";
  return {
    id: s.id,
    topology: typeof s.topology === "string" ? s.topology : "?",
    file: s.file,
    text: s.text,
    overrides,
    startedAt: typeof s.startedAt === "string" ? s.startedAt : "",
  };
}

/** The recorded lab id alone (what `down` needs), whatever else the file lacks; undefined without a file. */
export async function recordedLabId(file = STATE_FILE): Promise<string | undefined> {
  const text = await readFile(file, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const id = (JSON.parse(text) as { id?: unknown }).id;
    return typeof id === "string" ? id : undefined;
  } catch {
    return undefined;
  }
}

/** The lab `callpath up` recorded; a clear error when there is none or the file cannot be used. */
export async function readUpState(file = STATE_FILE): Promise<UpState> {
  const text = await readFile(file, "utf8").catch(() => undefined);
  if (text === undefined) throw new LabError("no lab up: start one with `callpath up <topology>` (`callpath labs` lists the labs on this engine)");
  const s = parseUpState(text);
  if (typeof s === "string") throw new LabError(`${file}: ${s}`);
  return s;
}

export async function writeUpState(state: UpState, file = STATE_FILE): Promise<void> {
  await writeJson(file, state);
}

export async function removeUpState(file = STATE_FILE): Promise<void> {
  await rm(file, { force: true });
}
