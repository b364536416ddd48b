import { z } from "zod";
import { networkRef, nodeOrPrefix } from "../topology/fields.js";

// One model for both engines (tc netem and the userspace one): the fields and their meaning follow
// tc-netem(8), so a netem user reads a callpath topology without a glossary. Times are milliseconds,
// probabilities and correlations percentages.

const percent = z.number().min(0).max(100);

/**
 * Bounds of the model, within what iproute2's tc takes (tc-netem(8)): times up to 10 s (netem keeps
 * them in 32-bit microsecond ticks, and no lab link needs more), rates up to 100 Gbit/s, and counters
 * (queue limit, reorder gap) 32-bit unsigned integers.
 */
export const IMPAIRMENT_LIMITS = { ms: 10_000, kbit: 100_000_000, u32: 0xffff_ffff } as const;

export const DISTRIBUTIONS = ["uniform", "normal", "pareto", "paretonormal"] as const;

const Delay = z
  .strictObject({
    ms: z.number().min(0).max(IMPAIRMENT_LIMITS.ms).describe("added one-way delay (ms, at most 10000)"),
    jitter: z.number().min(0).max(IMPAIRMENT_LIMITS.ms).default(0).describe("delay variation (netem's JITTER, ms, at most 10000)"),
    correlation: percent.default(0).describe("how much each packet's jitter follows the previous one's"),
    distribution: z.enum(DISTRIBUTIONS).default("uniform"),
    reorder: z.boolean().default(true).describe("false: a packet never overtakes an earlier one (jitter without reordering)"),
  })
  .refine((d) => d.jitter > 0 || (d.correlation === 0 && d.distribution === "uniform"), {
    message: "correlation and distribution shape the jitter: set jitter too (without it they do nothing)",
  })
  .refine((d) => d.jitter > 0 || d.reorder, {
    message: "reorder: false keeps jittered packets in order: set jitter too (without it nothing is reordered anyway)",
    path: ["reorder"],
  })
  .meta({ id: "delay", description: "delay and jitter" });

const RandomLoss = z.strictObject({ random: percent, correlation: percent.default(0) });
const GilbertElliott = z.strictObject({
  gemodel: z
    .strictObject({
      p: percent.describe("good → bad transition"),
      r: percent.optional().describe("bad → good transition; default 100 − p"),
      "1-h": percent.default(100).describe("loss in the bad state"),
      "1-k": percent.default(0).describe("loss in the good state"),
    })
    .describe("Gilbert-Elliott bursty loss, as netem's 'loss gemodel p r 1-h 1-k'"),
});
const Loss = z.union([RandomLoss, GilbertElliott]).meta({ id: "loss", description: "random loss, or Gilbert-Elliott bursty loss" });

const Chance = z
  .union([percent, z.strictObject({ percent, correlation: percent.default(0) })])
  .meta({ id: "chance", description: "a percentage, or one with a correlation" });

const Reorder = z
  .strictObject({
    percent,
    correlation: percent.default(0),
    gap: z.number().int().min(1).max(IMPAIRMENT_LIMITS.u32).default(1).describe("only every gap-th packet may jump the queue"),
  })
  .meta({ id: "reorder" });

const Rate = z
  .strictObject({
    kbit: z.number().min(1).max(IMPAIRMENT_LIMITS.kbit).describe("link rate in kbit/s (1 to 100000000, i.e. 100 Gbit/s)"),
    limit: z.number().int().min(1).max(IMPAIRMENT_LIMITS.u32).default(1000).describe("packets the link may hold queued before it drops (32-bit)"),
  })
  .meta({ id: "rate" });

const PORTS = /^\d{1,5}(-\d{1,5})?$/;
const Ports = z
  .union([z.number().int().min(1).max(65535), z.string().max(11).regex(PORTS, 'a port or a range "10000-20000"')])
  .transform((v) => {
    const [lo, hi] = String(v).split("-").map(Number);
    return { lo: lo!, hi: hi ?? lo! };
  })
  .refine((r) => r.lo >= 1 && r.hi <= 65535 && r.lo <= r.hi, "ports must be 1-65535, low before high");

export const MatchSchema = z
  .strictObject({
    protocol: z.enum(["udp", "tcp", "icmp"]).optional(),
    port: Ports.optional().describe("source or destination port in this range (UDP or TCP)"),
    to: nodeOrPrefix.optional().describe("destination: a node name or an IPv4 prefix"),
    from: nodeOrPrefix.optional().describe("source: a node name or an IPv4 prefix"),
  })
  .meta({ id: "match", description: "which packets this impairment touches; all of them when omitted" });

export const ImpairmentSchema = z
  .strictObject({
    match: MatchSchema.optional(),
    delay: Delay.optional(),
    loss: Loss.optional(),
    reorder: Reorder.optional(),
    duplicate: Chance.optional(),
    corrupt: Chance.optional(),
    rate: Rate.optional(),
  })
  .refine((i) => !i.reorder || (i.delay?.ms ?? 0) > 0, {
    message: "reorder needs a delay: packets that are not reordered are the delayed ones (as in netem)",
    path: ["reorder"],
  })
  .meta({ id: "impairment", description: "one impairment: what it matches and what it does to those packets" });

const OneOrMore = z
  .union([ImpairmentSchema, z.array(ImpairmentSchema).min(1).max(15)])
  .transform((v) => (Array.isArray(v) ? v : [v]))
  .meta({ id: "impairments", description: "one impairment or a list of them, applied in order (at most 15)" });

export const LinkImpairmentSchema = z
  .strictObject({
    egress: OneOrMore.optional().describe("packets leaving the node by this interface"),
    ingress: OneOrMore.optional().describe("packets arriving at the node by this interface"),
    both: OneOrMore.optional().describe("the same impairment, separately, in each direction"),
  })
  .meta({ id: "link-impairments", description: "impairments on one of the node's interfaces (a link end)" });

/** `impair:` on a node: network name → what happens on the node's interface there. */
export const NodeImpairmentsSchema = z.record(networkRef("a network the node joins"), LinkImpairmentSchema);

export const ENGINES = ["auto", "netem", "userspace"] as const;
export type EngineChoice = (typeof ENGINES)[number];
export type Engine = Exclude<EngineChoice, "auto">;

export type Impairment = z.output<typeof ImpairmentSchema>;
export type Match = z.output<typeof MatchSchema>;
export type Direction = "egress" | "ingress";
export type LinkImpairments = z.output<typeof LinkImpairmentSchema>;

/** The rules per direction, with `both` folded into each. */
export function byDirection(link: LinkImpairments): Record<Direction, Impairment[]> {
  return { egress: [...(link.egress ?? []), ...(link.both ?? [])], ingress: [...(link.ingress ?? []), ...(link.both ?? [])] };
}

/** A match with node names resolved to prefixes, as both engines consume it. */
export interface ResolvedMatch {
  readonly protocol?: "udp" | "tcp" | "icmp";
  readonly port?: { readonly lo: number; readonly hi: number };
  readonly to?: string;
  readonly from?: string;
}

export type ResolvedImpairment = Omit<Impairment, "match"> & { readonly match?: ResolvedMatch };

/** `{ percent, correlation }` from either spelling of a chance. */
export function chance(c: Impairment["duplicate"]): { percent: number; correlation: number } | undefined {
  if (c === undefined) return undefined;
  return typeof c === "number" ? { percent: c, correlation: 0 } : c;
}

/** One line for logs and reports: "delay 40ms ±10ms normal, loss 1%". */
export function describeImpairment(i: ResolvedImpairment): string {
  const parts: string[] = [];
  if (i.delay) parts.push(`delay ${i.delay.ms}ms${i.delay.jitter ? ` ±${i.delay.jitter}ms ${i.delay.distribution}${i.delay.reorder ? "" : " in order"}` : ""}`);
  if (i.loss) parts.push("random" in i.loss ? `loss ${i.loss.random}%` : `loss gemodel p=${i.loss.gemodel.p}%`);
  if (i.reorder) parts.push(`reorder ${i.reorder.percent}% gap ${i.reorder.gap}`);
  const dup = chance(i.duplicate);
  if (dup) parts.push(`duplicate ${dup.percent}%`);
  const cor = chance(i.corrupt);
  if (cor) parts.push(`corrupt ${cor.percent}%`);
  if (i.rate) parts.push(`rate ${i.rate.kbit}kbit`);
  const m = i.match;
  const only = m
    ? [m.protocol, m.port && `port ${m.port.lo}${m.port.hi !== m.port.lo ? `-${m.port.hi}` : ""}`, m.from && `from ${m.from}`, m.to && `to ${m.to}`]
        .filter(Boolean)
        .join(" ")
    : "";
  return `${parts.join(", ") || "nothing"}${only ? ` (only ${only})` : ""}`;
}
