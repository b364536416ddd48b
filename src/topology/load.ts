import { readFile } from "node:fs/promises";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { TopologyError, type Issue } from "../common/errors.js";
import type { KindRegistry } from "../kinds/registry.js";
import { checkTopology } from "./check.js";
import { NAME, NetworkSchema, nodeSchema, TopologyHeader } from "./schema.js";
import type { ResolvedTopology } from "./types.js";

/**
 * A union's error ("Invalid input") says nothing useful; report the branch the input came closest to:
 * not one that merely wanted another type; of those, the one whose complaints reach deepest into the
 * input (it matched the most structure), then the one with the fewest.
 */
function closestBranch(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== "invalid_union" || !("errors" in issue) || issue.errors.length === 0) return [issue];
  const branches = issue.errors.filter((b) => !b.every((i) => i.code === "invalid_type" && i.path.length === 0));
  const depth = (b: z.core.$ZodIssue[]): number => Math.max(...b.map((i) => i.path.length));
  const best = [...(branches.length > 0 ? branches : issue.errors)].sort((a, b) => depth(b) - depth(a) || a.length - b.length)[0]!;
  return best.flatMap((i) => closestBranch({ ...i, path: [...issue.path, ...i.path] } as z.core.$ZodIssue));
}

export function zodIssues(error: z.ZodError, prefix: string): Issue[] {
  return error.issues.flatMap((i) => closestBranch(i as z.core.$ZodIssue)).map((i) => {
    const path = [prefix, ...i.path.map((p) => (typeof p === "number" ? `[${p}]` : String(p)))].filter(Boolean).join(".").replace(/\.\[/g, "[");
    return { path, message: i.message };
  });
}

/**
 * Reads, validates and resolves a topology file. Every problem is collected and thrown together as one
 * TopologyError; nothing partial is ever returned.
 */
export async function loadTopology(file: string, kinds: KindRegistry, overrides: TopologyOverrides = []): Promise<ResolvedTopology> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new TopologyError(file, [{ path: "", message: `cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})` }]);
  }
  return parseTopology(text, file, kinds, overrides);
}

/** "nodes.nat1.alg" → YAML value: a variant of a topology, as a scenario asks for it. */
export type TopologyOverrides = ReadonlyArray<readonly [path: string, yamlValue: string]>;

export function parseTopology(text: string, file: string, kinds: KindRegistry, overrides: TopologyOverrides = []): ResolvedTopology {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new TopologyError(
      file,
      doc.errors.map((e) => ({ path: e.linePos ? `line ${e.linePos[0].line}` : "", message: `YAML: ${e.message.split("\n")[0]}` })),
    );
  }
  const problems: Issue[] = [];
  for (const [path, value] of overrides) {
    const keys = path.split(".");
    const parent = keys.slice(0, -1);
    const value_ = parseDocument(value);
    if (value_.errors.length > 0) problems.push({ path, message: `override value is not YAML: ${value_.errors[0]!.message.split("\n")[0]}` });
    else if (parent.length > 0 && !doc.hasIn(parent)) problems.push({ path, message: `override names "${parent.join(".")}", which the topology does not have` });
    else doc.setIn(keys, value_.toJS());
  }
  if (problems.length > 0) throw new TopologyError(file, problems);
  const raw: unknown = doc.toJS();
  const issues: Issue[] = [];
  const header = TopologyHeader.safeParse(raw);
  if (!header.success) issues.push(...zodIssues(header.error, ""));
  const obj = (raw && typeof raw === "object" ? raw : {}) as { name?: unknown; description?: unknown; impairmentEngine?: unknown; networks?: unknown; nodes?: unknown };
  const record = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

  const networks: Record<string, z.infer<typeof NetworkSchema>> = {};
  for (const [name, value] of Object.entries(record(obj.networks))) {
    if (!NAME.test(name)) issues.push({ path: `networks.${name}`, message: "network names must be lower case letters, digits and '-', starting with a letter" });
    const parsed = NetworkSchema.safeParse(value ?? {});
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
      name: String(obj.name ?? ""),
      description: typeof obj.description === "string" ? obj.description : undefined,
      impairmentEngine: header.success ? header.data.impairmentEngine : "auto",
      networks,
    },
    nodes.specs,
    kinds,
    declared,
  );
  issues.push(...checked.issues);
  if (issues.length > 0 || !checked.topology) throw new TopologyError(file, issues);
  return checked.topology;
}

type NodeSpec = Record<string, unknown> & { kind: string; addresses?: Record<string, string> };

function nodeIssues(nodes: Record<string, unknown>, kinds: KindRegistry): { specs: Map<string, NodeSpec>; issues: Issue[] } {
  const issues: Issue[] = [];
  const specs = new Map<string, NodeSpec>();
  for (const [name, value] of Object.entries(nodes)) {
    const path = `nodes.${name}`;
    if (!NAME.test(name)) issues.push({ path, message: "node names must be lower case letters, digits and '-', starting with a letter, at most 31 characters" });
    const kind = (value as { kind?: unknown } | null)?.kind;
    if (typeof kind !== "string") {
      issues.push({ path: `${path}.kind`, message: `required; one of: ${kinds.names().join(", ")}` });
      continue;
    }
    if (!kinds.has(kind)) {
      issues.push({ path: `${path}.kind`, message: `unknown kind "${kind}"; supported: ${kinds.names().join(", ")}` });
      continue;
    }
    const parsed = nodeSchema(kinds, kind).safeParse(value);
    if (!parsed.success) issues.push(...zodIssues(parsed.error, path));
    else specs.set(name, parsed.data as NodeSpec);
  }
  return { specs, issues };
}
