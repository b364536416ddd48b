import { z } from "zod";

// One model for both engines (tc netem and the userspace one): the fields and their meaning follow
// tc-netem(8), so a netem user reads a callpath topology without a glossary. Times are milliseconds,
// probabilities and correlations percentages.

const percent = z.number().min(0).max(100);

export const DISTRIBUTIONS = ["uniform", "normal", "pareto", "paretonormal"] as const;

const Delay = z
  .strictObject({
    ms: z.number().min(0).max(10_000).describe("added one-way delay"),
    jitter: z.number().min(0).max(10_000).default(0).describe("delay variation (netem's JITTER)"),
    correlation: percent.default(0).describe("how much each packet's jitter follows the previous one's"),
    distribution: z.enum(DISTRIBUTIONS).default("uniform"),
    reorder: z.boolean().default(true).describe("false: a packet never overtakes an earlier one (jitter without reordering)"),
  })
  .describe("delay and jitter");

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
const Loss = z.union([RandomLoss, GilbertElliott]);

const Chance = z.union([percent, z.strictObject({ percent, correlation: percent.default(0) })]);

const Reorder = z.strictObject({
  percent,
  correlation: percent.default(0),
  gap: z.number().int().min(1).default(1).describe("only every gap-th packet may jump the queue"),
});

const Rate = z.strictObject({
  kbit: z.number().positive().describe("link rate in kbit/s"),
  limit: z.number().int().positive().default(1000).describe("packets the link may hold queued before it drops"),
});

const PORTS = /^\d{1,5}(-\d{1,5})?$/;
const Ports = z
  .union([z.number().int().min(1).max(65535), z.string().regex(PORTS, 'a port or a range "10000-20000"')])
  .transform((v) => {
    const [lo, hi] = String(v).split("-").map(Number);
    return { lo: lo!, hi: hi ?? lo! };
  })
  .refine((r) => r.lo >= 1 && r.hi <= 65535 && r.lo <= r.hi, "ports must be 1-65535, low before high");

export const MatchSchema = z
  .strictObject({
    protocol: z.enum(["udp", "tcp", "icmp"]).optional(),
    port: Ports.optional().describe("source or destination port in this range (UDP or TCP)"),
    to: z.string().optional().describe("destination: a node name or an IPv4 prefix"),
    from: z.string().optional().describe("source: a node name or an IPv4 prefix"),
  })
  .describe("which packets this impairment touches; all of them when omitted");

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
  .refine((i) => !i.reorder || (i.delay?.ms ?? 0) > 0, { message: "reorder needs a delay: packets that are not reordered are the delayed ones (as in netem)", path: ["reorder"] });

const OneOrMore = z.union([ImpairmentSchema, z.array(ImpairmentSchema).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));

export const LinkImpairmentSchema = z
  .strictObject({
    egress: OneOrMore.optional().describe("packets leaving the node by this interface"),
    ingress: OneOrMore.optional().describe("packets arriving at the node by this interface"),
    both: OneOrMore.optional().describe("the same impairment, separately, in each direction"),
  })
  .describe("impairments on one of the node's interfaces (a link end)");

/** `impair:` on a node: network name → what happens on the node's interface there. */
export const NodeImpairmentsSchema = z.record(z.string(), LinkImpairmentSchema);

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
  const only = m ? [m.protocol, m.port && `port ${m.port.lo}${m.port.hi !== m.port.lo ? `-${m.port.hi}` : ""}`, m.from && `from ${m.from}`, m.to && `to ${m.to}`].filter(Boolean).join(" ") : "";
  return `${parts.join(", ") || "nothing"}${only ? ` (only ${only})` : ""}`;
}
