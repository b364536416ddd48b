import { existsSync, readFileSync, statSync } from "node:fs";
import { parse } from "yaml";
import { z } from "zod";
import { LabError } from "../common/errors.js";
import { describeImpairment, ImpairmentSchema, LinkImpairmentSchema, type Direction, type Impairment } from "../impair/model.js";
import type { AttachedLab, NodeEndInForce } from "../lab/attached-lab.js";
import { zodIssues } from "../topology/load.js";
import { topologyErrorMap } from "../topology/zod-messages.js";
import { FAILED, OK, UsageError, type Command } from "./command.js";
import { impairableArg, withUpLab } from "./live-lab.js";
import type { Output } from "./validate.js";

// `callpath impair <node> <network> <yaml>`: impairments on one link end of the lab `callpath up` left,
// as a topology's `impair:` takes them; `--clear` takes them all away, whoever made them; `--show` says
// what is in force.

const DIRECTIONS = ["egress", "ingress", "both"] as const;
/** The YAML a command line may carry, or a file holds. */
const MAX_YAML = 64 * 1024;

export type ImpairRequest =
  | { readonly kind: "set"; readonly node: string; readonly network: string; readonly rules: Partial<Record<Direction, Impairment[]>> }
  | { readonly kind: "clear"; readonly node?: string; readonly network?: string }
  | { readonly kind: "show"; readonly node?: string };

/**
 * Impairments from YAML: one rule or a list of them (for `direction`), or a mapping of directions as a
 * link end under `impair:` takes it (`{ egress: ..., ingress: ..., both: ... }`; `both` goes each way).
 * Only the directions named change. Every problem is reported at once, with its path, in the topology's words.
 */
export function parseImpairments(text: string, direction: Direction | "both"): Partial<Record<Direction, Impairment[]>> {
  let value: unknown;
  try {
    value = parse(text, { maxAliasCount: 10 });
  } catch (e) {
    throw new UsageError(`the impairment is not YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  if (value === null || value === undefined)
    throw new UsageError("the impairment is empty; give a rule ({ delay: { ms: 100 } }), a list of them, or [] to clear");
  const isMapping = typeof value === "object" && !Array.isArray(value);
  const keys = isMapping ? Object.keys(value as object) : [];
  const issues = (e: z.ZodError, prefix: string): string =>
    zodIssues(e, prefix)
      .map((i) => `${i.path || "(top)"}: ${i.message}`)
      .join("; ");
  if (isMapping && keys.length > 0 && keys.every((k) => (DIRECTIONS as readonly string[]).includes(k))) {
    const link = LinkImpairmentSchema.safeParse(value, { error: topologyErrorMap });
    if (!link.success) throw new UsageError(`the impairment: ${issues(link.error, "")}`);
    const { egress, ingress, both } = link.data;
    const out: Partial<Record<Direction, Impairment[]>> = {};
    if (egress || both) out.egress = [...(egress ?? []), ...(both ?? [])];
    if (ingress || both) out.ingress = [...(ingress ?? []), ...(both ?? [])];
    return out;
  }
  const list = z
    .array(ImpairmentSchema)
    .max(15)
    .safeParse(Array.isArray(value) ? value : [value], { error: topologyErrorMap });
  if (!list.success) throw new UsageError(`the impairment: ${issues(list.error, "")}`);
  return direction === "both" ? { egress: list.data, ingress: list.data } : { [direction]: list.data };
}

/** The YAML argument: a file's text when it names a file, else the argument itself. */
export function impairmentText(arg: string, read: (file: string) => string = (f) => readFileSync(f, "utf8")): string {
  const isFile = existsSync(arg) && statSync(arg).isFile();
  if (isFile && statSync(arg).size > MAX_YAML) throw new UsageError(`${arg}: more than ${MAX_YAML / 1024} KiB; an impairment file is a few lines`);
  const text = isFile ? read(arg) : arg;
  if (text.length > MAX_YAML) throw new UsageError(`the impairment is more than ${MAX_YAML / 1024} KiB`);
  return text;
}

export function parseImpairArgs(positionals: readonly string[], values: Record<string, unknown>, text = impairmentText): ImpairRequest {
  const direction = values.direction ?? "egress";
  if (!(DIRECTIONS as readonly unknown[]).includes(direction))
    throw new UsageError(`--direction ${JSON.stringify(direction)}: one of ${DIRECTIONS.join(", ")}`);
  if (values.clear === true && values.show === true) throw new UsageError("--clear or --show, not both");
  if (values.clear === true || values.show === true) {
    if (values.direction !== undefined) throw new UsageError("--direction is for setting impairments; --clear and --show take every direction");
    const most = values.clear === true ? 2 : 1;
    if (positionals.length > most) throw new UsageError(values.clear === true ? "--clear takes at most a node and a network" : "--show takes at most a node");
    const [node, network] = positionals;
    return values.clear === true ? { kind: "clear", node, network } : { kind: "show", node };
  }
  if (positionals.length !== 3)
    throw new UsageError("name a node, one of its networks and the impairment (YAML, or a YAML file): impair nat1 internet '{ delay: { ms: 100 } }'");
  const [node, network, yaml] = positionals as [string, string, string];
  return { kind: "set", node, network, rules: parseImpairments(text(yaml), direction as Direction | "both") };
}

export function impairCommand(out: Output): Command {
  return {
    usage: "impair <node> <network> <yaml|file> [--direction d] | --clear [<node> [<network>]] | --show [<node>]",
    summary: "impair a link end of the lab 'up' started (as a topology's impair: takes it); --clear, --show",
    help: [
      "Replaces the impairments of <node>'s interface on <network> with the YAML given (inline, or a file's):",
      "one rule or a list of them, as a topology's `impair:` takes them (delay, loss, reorder, duplicate,",
      "corrupt, rate, match), for --direction (egress by default; both: the same each way); or a mapping",
      "{ egress: ..., ingress: ..., both: ... }, which changes the directions it names. [] clears a direction.",
      "--clear takes away every impairment of every impairable node (of <node>; of <node> on <network>),",
      "whichever process made it, and checks that nothing is left. --show prints what is in force.",
      "Exit 1 when an impairment cannot be applied or cleared; 2 on a usage error (an unknown node, say).",
    ].join("\n"),
    options: { direction: { type: "string" }, clear: { type: "boolean" }, show: { type: "boolean" } },
    run: async (positionals, values) => {
      const request = parseImpairArgs(positionals, values);
      return withUpLab((lab) => runImpair(lab, request, out));
    },
  };
}

/** "nat1 internet egress: delay 100ms; loss 1%" per end, or a line saying there is none. */
export function formatInForce(ends: readonly NodeEndInForce[], none: string): string {
  if (ends.length === 0) return `${none}\n`;
  return ends.map((e) => `  ${e.node} ${e.end}: ${e.rules.join("; ")}\n`).join("");
}

export async function runImpair(lab: AttachedLab, request: ImpairRequest, out: Output): Promise<number> {
  if (request.node !== undefined) impairableArg(lab, request.node, request.kind === "show" ? undefined : request.network);
  if (request.kind === "show") {
    out.stdout(formatInForce(await lab.impairmentsInForce(request.node), "no impairments in force"));
    return OK;
  }
  if (request.kind === "clear") {
    const before = await lab.clearImpairments(request.node, request.network);
    out.stdout(before.length === 0 ? "nothing was in force\n" : `cleared:\n${formatInForce(before, "")}`);
    // Proof from the nodes themselves, not from what this process did.
    const left = (await lab.impairmentsInForce(request.node)).filter((e) => !request.network || e.end.startsWith(`${request.network} `));
    if (left.length > 0) {
      out.stderr(`callpath impair: still in force after clearing:\n${formatInForce(left, "")}`);
      return FAILED;
    }
    return OK;
  }
  for (const [direction, rules] of Object.entries(request.rules) as Array<[Direction, Impairment[]]>) {
    try {
      await lab.impair(request.node, request.network, direction, rules);
    } catch (e) {
      if (e instanceof LabError) throw new LabError(`${request.node} ${request.network} ${direction}: ${e.message}`);
      throw e;
    }
    out.stdout(`${request.node} ${request.network} ${direction}: ${rules.map(describeImpairment).join("; ") || "cleared"}\n`);
  }
  out.stdout(`in force on ${request.node}:\n${formatInForce(await lab.impairmentsInForce(request.node), "  nothing")}`);
  return OK;
}
