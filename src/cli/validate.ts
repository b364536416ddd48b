import { readdir, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { escapeControl, formatIssues, TopologyError } from "../common/errors.js";
import { builtinKinds } from "../kinds/builtin.js";
import type { KindRegistry } from "../kinds/registry.js";
import { PROJECT_ROOT } from "../lab/images.js";
import { hostRoutes, type Occupied } from "../lab/subnet-pool.js";
import { loadTopology, parseTopology } from "../topology/load.js";

// `callpath validate`: every problem of every file as `file: path: message` on stdout, one line each.
// A file that cannot be read, or whose checking fails in a way nobody foresaw, is that file's problem:
// the other files are still checked.

export interface Output {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export interface ValidateDeps {
  readonly kinds?: KindRegistry;
  /** The host's routes, which a declared subnet must not collide with (default: `ip -4 route`). */
  readonly occupied?: () => readonly Occupied[];
  /** Where topology names (`baseline`) are looked up: <root>/topologies/<name>.yaml. */
  readonly root?: string;
}

const YAML_EXTENSIONS = new Set([".yaml", ".yml"]);

/** A topology argument as `up` takes it: a path, or a name under topologies/. */
export function topologyPath(arg: string, root: string = PROJECT_ROOT): string {
  return YAML_EXTENSIONS.has(extname(arg)) || arg.includes("/") ? arg : join(root, "topologies", `${arg}.yaml`);
}

/** The outcome of one file: ok with a summary, or its problem lines. */
export type FileResult =
  | { readonly ok: true; readonly summary: string }
  /** `internal`: the check itself failed (anything but a TopologyError): a bug, reported as the file's problem. */
  | { readonly ok: false; readonly lines: readonly string[]; readonly internal?: true };

function failure(file: string, e: unknown): FileResult {
  if (e instanceof TopologyError) return { ok: false, lines: formatIssues(file, e.issues).split("\n") };
  // Not a TopologyError: a bug in callpath, still reported as this file's problem on one line.
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return {
    ok: false,
    internal: true,
    lines: formatIssues(file, [
      { path: "", message: `internal error while checking this file (a bug in callpath; please report it): ${escapeControl(message).slice(0, 300)}` },
    ]).split("\n"),
  };
}

const summary = (t: { nodes: ReadonlyMap<string, unknown>; networks: ReadonlyMap<string, unknown> }): string =>
  `ok (${t.nodes.size} nodes, ${t.networks.size} networks)`;

/** Checks one topology given as text (the fuzz test's entry point); never throws. */
export function validateText(file: string, text: string, deps: ValidateDeps = {}): FileResult {
  try {
    const t = parseTopology(text, file, deps.kinds ?? builtinKinds(), [], { occupied: deps.occupied?.() ?? [] });
    return { ok: true, summary: summary(t) };
  } catch (e) {
    return failure(file, e);
  }
}

/** Checks one topology file; never throws. */
export async function validateFile(file: string, deps: ValidateDeps = {}, occupied: readonly Occupied[] = deps.occupied?.() ?? []): Promise<FileResult> {
  try {
    const t = await loadTopology(file, deps.kinds ?? builtinKinds(), [], { occupied });
    return { ok: true, summary: summary(t) };
  } catch (e) {
    return failure(file, e);
  }
}

/** The files the arguments name: topology names, files, and every *.yaml/*.yml in a folder. */
async function expand(args: readonly string[], root: string, out: Output): Promise<string[]> {
  const files: string[] = [];
  for (const arg of args) {
    const path = topologyPath(arg, root);
    const s = await stat(path).catch(() => undefined);
    if (s?.isDirectory()) {
      const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
      const yaml = entries.filter((e) => e.isFile() && YAML_EXTENSIONS.has(extname(e.name)));
      for (const e of entries) if (!yaml.includes(e)) out.stderr(`callpath validate: skipping ${escapeControl(join(path, e.name))}: not a YAML file\n`);
      if (yaml.length === 0) out.stderr(`callpath validate: ${escapeControl(path)} holds no *.yaml or *.yml file\n`);
      files.push(...yaml.map((e) => join(path, e.name)));
    } else if (s && !YAML_EXTENSIONS.has(extname(path))) {
      out.stderr(`callpath validate: skipping ${escapeControl(path)}: not a YAML file (*.yaml, *.yml)\n`);
    } else {
      // Missing files go through: "cannot read the file (ENOENT)" is their problem line.
      files.push(path);
    }
  }
  return files;
}

/** `callpath validate <topology|file|folder>...`: exit 0 when every file is clean, 1 on any problem, 2 on usage errors. */
export async function validateCommand(args: string[], out: Output, deps: ValidateDeps = {}): Promise<number> {
  if (args.length === 0) {
    out.stderr(
      "usage: callpath validate <topology.yaml|name|folder>...\n  checks topology files; prints every problem as file: path: message; exit 1 on any\n",
    );
    return 2;
  }
  const files = await expand(args, deps.root ?? PROJECT_ROOT, out);
  if (files.length === 0) {
    out.stderr("callpath validate: no topology file to check\n");
    return 2;
  }
  let occupied: readonly Occupied[] = [];
  try {
    occupied = deps.occupied ? deps.occupied() : hostRoutes();
  } catch {
    // No `ip` (or it failed): the host's routes are not checked, as at `up` on such hosts.
  }
  let bad = 0;
  for (const file of files) {
    const r = await validateFile(file, deps, occupied);
    if (r.ok) out.stdout(`${escapeControl(file)}: ${r.summary}\n`);
    else {
      bad++;
      out.stdout(`${r.lines.join("\n")}\n`);
    }
  }
  return bad > 0 ? 1 : 0;
}
