import { readFile, stat } from "node:fs/promises";
import { isCollection, isPair, isScalar, parseDocument, visit } from "yaml";
import type { z } from "zod";
import { echo, MAX_ISSUES, TopologyError, type Issue } from "../common/errors.js";
import type { KindRegistry } from "../kinds/registry.js";
import { clash, describeClash, type Occupied } from "../lab/subnet-pool.js";
import { checkTopology } from "./check.js";
import { NAME, NAME_RULE, NetworkSchema, nodeSchema, TopologyHeader } from "./schema.js";
import type { ResolvedTopology } from "./types.js";
import { flatUnion, topologyErrorMap } from "./zod-messages.js";

/** Bounds on what a topology file may hold, so that no input can exhaust memory or time. */
export const LIMITS = {
  fileBytes: 1024 * 1024,
  networks: 256,
  nodes: 256,
  /** YAML aliases a file may expand (the yaml package's defence against "billion laughs"). */
  aliases: 100,
  /** Nesting of mappings and lists; a topology needs fewer than 10. */
  depth: 32,
} as const;

/** Pass to every safeParse of topology input: messages in the file's words, with every choice. */
export const PARSE_PARAMS = { error: topologyErrorMap } as const;

/**
 * A union's error ("Invalid input") says nothing useful; report the branch the input came closest to:
 * not one that merely wanted another type; of those, the one whose complaints reach deepest into the
 * input (it matched the most structure), then the one with the fewest. A union of literals (or of types)
 * keeps its own message, which names every choice.
 */
function closestBranch(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== "invalid_union" || !("errors" in issue) || issue.errors.length === 0) return [issue];
  if (flatUnion(issue.errors)) return [issue];
  const branches = issue.errors.filter((b) => !b.every((i) => i.code === "invalid_type" && i.path.length === 0));
  const depth = (b: z.core.$ZodIssue[]): number => Math.max(...b.map((i) => i.path.length));
  const best = [...(branches.length > 0 ? branches : issue.errors)].sort((a, b) => depth(b) - depth(a) || a.length - b.length)[0]!;
  return best.flatMap((i) => closestBranch({ ...i, path: [...issue.path, ...i.path] } as z.core.$ZodIssue));
}

/** A dotted path from segments: names as they are, list indexes in brackets. */
export function dottedPath(prefix: string, segments: readonly PropertyKey[]): string {
  return [prefix, ...segments.map((p) => (typeof p === "number" ? `[${p}]` : String(p)))].filter(Boolean).join(".").replace(/\.\[/g, "[");
}

export function zodIssues(error: z.ZodError, prefix: string): Issue[] {
  return error.issues
    .flatMap((i) => closestBranch(i as z.core.$ZodIssue))
    .flatMap((i) => {
      // One line per unknown key, its path naming the key itself.
      if (i.code === "unrecognized_keys") return i.keys.map((k) => ({ path: dottedPath(prefix, [...i.path, k]), message: i.message }));
      return [{ path: dottedPath(prefix, i.path), message: i.message }];
    });
}

export interface TopologyOptions {
  /** Subnets already in use on the host (its routes): a declared subnet that collides is an issue. */
  readonly occupied?: readonly Occupied[];
}

/**
 * Reads, validates and resolves a topology file. Every problem is collected and thrown together as one
 * TopologyError; nothing partial is ever returned.
 */
export async function loadTopology(
  file: string,
  kinds: KindRegistry,
  overrides: TopologyOverrides = [],
  options: TopologyOptions = {},
): Promise<ResolvedTopology> {
  let text: string;
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new TopologyError(file, [{ path: "", message: "not a file" }]);
    if (s.size > LIMITS.fileBytes)
      throw new TopologyError(file, [{ path: "", message: `the file is ${mib(s.size)}; a topology file may be at most ${mib(LIMITS.fileBytes)}` }]);
    text = await readFile(file, "utf8");
  } catch (e) {
    if (e instanceof TopologyError) throw e;
    throw new TopologyError(file, [{ path: "", message: `cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})` }]);
  }
  return parseTopology(text, file, kinds, overrides, options);
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 1)} MiB`;

/** "nodes.nat1.alg" → YAML value: a variant of a topology, as a scenario asks for it. */
export type TopologyOverrides = ReadonlyArray<readonly [path: string, yamlValue: string]>;

// Duplicate keys are found by readYaml in one pass: the parser's own check compares every key with
// every other (thousands of keys took seconds).
const YAML_OPTIONS = { prettyErrors: true, uniqueKeys: false } as const;

function yamlMessage(e: { message: string }): string {
  const first = e.message.split("\n")[0]!;
  return /call stack/i.test(first) ? `nested too deeply to read (${first})` : first;
}

/** Parses one YAML text into plain data, or the issues that stop it (syntax, tags, aliases, keys). */
function readYaml(text: string, where: string): { value: unknown; issues: Issue[]; empty?: true } {
  const doc = parseDocument(text, YAML_OPTIONS);
  if (doc.errors.length === 0 && doc.warnings.length === 0 && (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null))) {
    return { value: null, issues: [], empty: true };
  }
  const line = (e: { linePos?: [{ line: number }, ...unknown[]] }): string => (e.linePos ? `line ${e.linePos[0].line}` : where);
  // Warnings (an unknown tag such as !foo, which the parser would read as a plain string) are errors here.
  const problems = [...doc.errors, ...doc.warnings].map((e) => ({ path: line(e), message: `YAML: ${yamlMessage(e)}` }));
  if (problems.length > 0) return { value: undefined, issues: problems };
  // Keys must be plain scalars (a mapping or list as a key has no name a topology could use), each once.
  // Line numbers come from one table of line starts (binary search), so many bad keys stay linear; and
  // past the first MAX_ISSUES nothing more is reported, so nothing more is collected.
  const lineOf = lineFinder(text);
  visit(doc, {
    Map(_, map) {
      if (problems.length > MAX_ISSUES) return visit.BREAK;
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isPair(pair) || pair.key === null) continue;
        if (!isScalar(pair.key)) {
          const pos = isCollection(pair.key) && pair.key.range ? lineOf(pair.key.range[0]) : where;
          problems.push({ path: pos, message: "YAML: a key must be a plain name, not a mapping or a list" });
          continue;
        }
        const key = String(pair.key.value);
        if (seen.has(key))
          problems.push({ path: pair.key.range ? lineOf(pair.key.range[0]) : where, message: `YAML: the key ${echo(key)} appears twice in one mapping` });
        seen.add(key);
      }
    },
  });
  if (problems.length > 0) return { value: undefined, issues: problems };
  try {
    return { value: doc.toJS({ maxAliasCount: LIMITS.aliases }), issues: [] };
  } catch (e) {
    // The yaml package throws ReferenceError for an alias bomb or an alias to no anchor.
    const message =
      e instanceof ReferenceError && /alias count/i.test(e.message)
        ? `YAML: more than ${LIMITS.aliases} alias expansions (an alias bomb?)`
        : `YAML: ${yamlMessage(e as Error)}`;
    return { value: undefined, issues: [{ path: where, message }] };
  }
}

/** "line N" of an offset in `text`, after one pass that records where each line starts. */
export function lineFinder(text: string): (offset: number) => string {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return `line ${lo + 1}`;
  };
}

/**
 * Copies parsed YAML into null-prototype objects, so that no key ("constructor", "toString") finds
 * something inherited, and reports what no topology may hold: `__proto__` keys and nesting past the limit.
 */
function sanitize(value: unknown, path: string, depth: number, issues: Issue[]): unknown {
  if (depth > LIMITS.depth) {
    issues.push({ path, message: `nested more than ${LIMITS.depth} levels deep` });
    return undefined;
  }
  if (Array.isArray(value)) return value.map((v, i) => sanitize(v, `${path}[${i}]`, depth + 1, issues));
  if (value && typeof value === "object" && !(value instanceof Uint8Array) && !(value instanceof Date)) {
    const out = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(value)) {
      const p = path ? `${path}.${key}` : key;
      if (key === "__proto__") {
        issues.push({ path: p, message: `"__proto__" is not a valid name; ${NAME_RULE}` });
        continue;
      }
      out[key] = sanitize((value as Record<string, unknown>)[key], p, depth + 1, issues);
    }
    return out;
  }
  return value;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === "object" && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Date);
const EMPTY: Record<string, unknown> = Object.freeze(Object.create(null) as Record<string, unknown>);
const record = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : EMPTY);

/** An override's path, one key per level; `__proto__` and friends are refused like names in the file. */
function overrideKeys(path: string): string[] | undefined {
  const keys = path.split(".");
  return keys.every((k) => k.length > 0 && k !== "__proto__" && k !== "constructor" && k !== "prototype") ? keys : undefined;
}

export function parseTopology(
  text: string,
  file: string,
  kinds: KindRegistry,
  overrides: TopologyOverrides = [],
  options: TopologyOptions = {},
): ResolvedTopology {
  if (text.length > LIMITS.fileBytes)
    throw new TopologyError(file, [
      { path: "", message: `the file is ${mib(Buffer.byteLength(text))}; a topology file may be at most ${mib(LIMITS.fileBytes)}` },
    ]);
  const read = readYaml(text, "");
  if (read.empty && overrides.length === 0)
    throw new TopologyError(file, [{ path: "", message: "the file is empty; a topology needs name, networks and nodes" }]);
  if (read.issues.length > 0) throw new TopologyError(file, read.issues);
  let raw = read.value;
  const problems: Issue[] = [];
  for (const [path, value] of overrides) {
    const keys = overrideKeys(path);
    const parsed = readYaml(value, path);
    const parent = keys?.slice(0, -1) ?? [];
    if (!keys) problems.push({ path, message: "an override path is dotted names (nodes.nat1.alg)" });
    else if (parsed.issues.length > 0) problems.push(...parsed.issues.map((i) => ({ path, message: `override value is not YAML: ${i.message}` })));
    else if (!isRecord(raw)) problems.push({ path, message: "the topology is not a mapping" });
    else {
      let at: Record<string, unknown> = raw;
      for (const k of parent) {
        const next = Object.hasOwn(at, k) ? at[k] : undefined;
        if (!isRecord(next)) {
          at = EMPTY;
          break;
        }
        at = next;
      }
      if (at === EMPTY) problems.push({ path, message: `override names "${parent.join(".")}", which the topology does not have` });
      else at[keys.at(-1)!] = parsed.value;
    }
  }
  if (problems.length > 0) throw new TopologyError(file, problems);

  const issues: Issue[] = [];
  raw = sanitize(raw, "", 0, issues);
  if (raw === undefined || raw === null) throw new TopologyError(file, [{ path: "", message: "the file is empty; a topology needs name, networks and nodes" }]);
  if (!isRecord(raw))
    throw new TopologyError(file, [
      {
        path: "",
        message: `a topology is a mapping with name, networks and nodes; this file holds ${Array.isArray(raw) ? "a list" : `a single value (${echo(raw)})`}`,
      },
    ]);
  const counts = { networks: Object.keys(record(raw.networks)).length, nodes: Object.keys(record(raw.nodes)).length };
  const over = (["networks", "nodes"] as const).filter((what) => counts[what] > LIMITS[what]);
  // Past a limit nothing else is looked at: the point of the limit is that the work stays bounded.
  if (over.length > 0)
    throw new TopologyError(
      file,
      over.map((what) => ({ path: what, message: `${counts[what]} ${what}; a topology may have at most ${LIMITS[what]}` })),
    );

  const header = TopologyHeader.safeParse(raw, PARSE_PARAMS);
  if (!header.success) issues.push(...zodIssues(header.error, ""));
  const obj = raw as { name?: unknown; description?: unknown; impairmentEngine?: unknown; networks?: unknown; nodes?: unknown };

  const networks: Record<string, z.infer<typeof NetworkSchema>> = Object.create(null);
  for (const [name, value] of Object.entries(record(obj.networks))) {
    if (!NAME.test(name)) issues.push({ path: `networks.${name}`, message: `invalid network name ${echo(name)}: ${NAME_RULE}` });
    const parsed = NetworkSchema.safeParse(value ?? {}, PARSE_PARAMS);
    if (parsed.success) networks[name] = parsed.data;
    else issues.push(...zodIssues(parsed.error, `networks.${name}`));
  }
  const nodes = nodeIssues(record(obj.nodes), kinds);
  issues.push(...nodes.issues);
  // Cross-field checks run on whatever parsed, knowing which names exist but were invalid (no echo errors).
  const declared = { networks: Object.keys(record(obj.networks)), nodes: Object.keys(record(obj.nodes)) };
  const checked = checkTopology(
    file,
    {
      name: typeof obj.name === "string" ? obj.name : "",
      description: typeof obj.description === "string" ? obj.description : undefined,
      impairmentEngine: header.success ? header.data.impairmentEngine : "auto",
      networks,
    },
    nodes.specs,
    kinds,
    declared,
  );
  issues.push(...checked.issues);
  for (const [name, net] of checked.networks) {
    const taken = net.subnet ? clash(net.subnet, options.occupied ?? []) : undefined;
    if (net.subnet && taken) issues.push({ path: `networks.${name}.subnet`, message: describeClash(name, net.subnet, taken) });
  }
  if (issues.length > 0 || !checked.topology) throw new TopologyError(file, issues);
  return checked.topology;
}

type NodeSpec = Record<string, unknown> & { kind: string; addresses?: Record<string, string> };

function nodeIssues(nodes: Record<string, unknown>, kinds: KindRegistry): { specs: Map<string, NodeSpec>; issues: Issue[] } {
  const issues: Issue[] = [];
  const specs = new Map<string, NodeSpec>();
  for (const [name, value] of Object.entries(nodes)) {
    const path = `nodes.${name}`;
    if (!NAME.test(name)) issues.push({ path, message: `invalid node name ${echo(name)}: ${NAME_RULE}` });
    if (!isRecord(value)) {
      issues.push({
        path,
        message: `a node is a mapping with kind and its fields; got ${value === null || value === undefined ? "nothing" : Array.isArray(value) ? "a list" : echo(value)}`,
      });
      continue;
    }
    const kind = Object.hasOwn(value, "kind") ? value.kind : undefined;
    if (kind === undefined || kind === null) {
      issues.push({ path: `${path}.kind`, message: `required; one of: ${kinds.names().join(", ")}` });
      continue;
    }
    if (typeof kind !== "string" || !kinds.has(kind)) {
      issues.push({ path: `${path}.kind`, message: `unknown kind ${echo(kind)}; supported: ${kinds.names().join(", ")}` });
      continue;
    }
    const parsed = nodeSchema(kinds, kind).safeParse(value, PARSE_PARAMS);
    if (!parsed.success) issues.push(...zodIssues(parsed.error, path));
    else specs.set(name, parsed.data as NodeSpec);
  }
  return { specs, issues };
}
