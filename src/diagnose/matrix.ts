import { readFile, stat } from "node:fs/promises";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { z } from "zod";
import { TopologyError, type Issue } from "../common/errors.js";
import { PARSE_PARAMS, zodIssues, type TopologyOverrides } from "../topology/load.js";
import { NAME, NAME_RULE } from "../topology/fields.js";

// A matrix: topologies × variants × seats, each combination one labelled case. Variants use the same
// `dotted.path: value` overrides scenarios use, so a case is exactly a lab a scenario could start.

const MATRIX_BYTES = 1024 * 1024;
const MAX_CASES = 2000;

const VariantName = z.string().max(64).regex(NAME, NAME_RULE);
const Override = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, "a dotted path of names, like nodes.nat1.alg");

export const MatrixSchema = z.strictObject({
  name: z.string().min(1).max(100),
  description: z.string().max(2000).optional(),
  timeLimitMs: z.number().int().min(1000).max(600_000).default(30_000).describe("per heuristic run in a case"),
  groups: z
    .array(
      z.strictObject({
        topology: z.string().min(1).max(200).describe("a name under topologies/ or a path"),
        seats: z.array(z.string().regex(NAME, NAME_RULE)).min(1).max(32),
        variants: z
          .record(VariantName, z.union([z.null(), z.record(Override, z.unknown())]))
          .refine((v) => Object.keys(v).length > 0, "at least one variant (an empty one, `clean: {}`, is the topology as it is)"),
      }),
    )
    .min(1)
    .max(200),
});
export type Matrix = z.infer<typeof MatrixSchema>;

export interface MatrixCase {
  /** topology/variant/seat: unique in the matrix. */
  readonly id: string;
  readonly topology: string;
  readonly variant: string;
  readonly seat: string;
  readonly overrides: TopologyOverrides;
}

/** Every case of the matrix, in file order (group, variant, seat). */
export function casesOf(m: Matrix): MatrixCase[] {
  const out: MatrixCase[] = [];
  for (const g of m.groups)
    for (const [variant, set] of Object.entries(g.variants))
      for (const seat of g.seats)
        out.push({
          id: `${g.topology}/${variant}/${seat}`,
          topology: g.topology,
          variant,
          seat,
          // Each value back to YAML text, one line: the loader reads it as a scenario's table cell.
          overrides: Object.entries(set ?? {}).map(([path, value]) => [path, stringifyYaml(value, { collectionStyle: "flow", lineWidth: 0 }).trim()] as const),
        });
  return out;
}

/** Parses a matrix file; every problem comes back together, as file: path: message. */
export function parseMatrix(text: string, file: string): { matrix: Matrix; cases: MatrixCase[] } {
  let raw: unknown;
  try {
    // Anchors and aliases are not needed in a matrix, and an alias bomb is a way to make one enormous.
    raw = parseYaml(text, { maxAliasCount: 0, uniqueKeys: true });
  } catch (e) {
    throw new TopologyError(file, [{ path: "", message: `not YAML: ${(e as Error).message.split("\n")[0]}` }]);
  }
  const parsed = MatrixSchema.safeParse(raw, PARSE_PARAMS);
  if (!parsed.success) throw new TopologyError(file, zodIssues(parsed.error, ""));
  // Counted before any case is built: the count is what keeps the work bounded.
  const count = parsed.data.groups.reduce((n, g) => n + Object.keys(g.variants).length * g.seats.length, 0);
  if (count > MAX_CASES) throw new TopologyError(file, [{ path: "groups", message: `${count} cases; a matrix may have at most ${MAX_CASES}` }]);
  const issues: Issue[] = [];
  const seen = new Map<string, number>();
  parsed.data.groups.forEach((g, i) => {
    for (const c of casesOf({ ...parsed.data, groups: [g] })) {
      const first = seen.get(c.id);
      if (first !== undefined) issues.push({ path: `groups[${i}]`, message: `case ${c.id} is also in groups[${first}]` });
      else seen.set(c.id, i);
    }
  });
  const cases = casesOf(parsed.data);
  if (issues.length > 0) throw new TopologyError(file, issues);
  return { matrix: parsed.data, cases };
}

export async function loadMatrix(file: string): Promise<{ matrix: Matrix; cases: MatrixCase[] }> {
  const st = await stat(file).catch(() => undefined);
  if (!st?.isFile()) throw new TopologyError(file, [{ path: "", message: "no such matrix file" }]);
  if (st.size > MATRIX_BYTES) throw new TopologyError(file, [{ path: "", message: `the file is ${st.size} bytes; a matrix may be at most ${MATRIX_BYTES}` }]);
  return parseMatrix(await readFile(file, "utf8"), file);
}
