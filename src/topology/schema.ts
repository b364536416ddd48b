import { z } from "zod";
import type { KindRegistry } from "../kinds/registry.js";
import { ENGINES, NodeImpairmentsSchema } from "../impair/model.js";

export const NAME = /^[a-z][a-z0-9-]{0,30}$/;
const name = z.string().regex(NAME, "must be lower case letters, digits and '-', starting with a letter, at most 31 characters");

export const NetworkSchema = z
  .strictObject({
    subnet: z.string().optional().describe("IPv4 subnet in CIDR form; omit to allocate one from the pool"),
    public: z.boolean().default(false).describe("an 'internet' segment: addressed from the documentation ranges (RFC 5737)"),
  })
  .describe("a network segment (a Docker bridge with no route out)");

/** Fields every node has, whatever its kind. */
export const CommonNodeFields = {
  addresses: z
    .record(z.string(), z.string())
    .optional()
    .describe("fixed IPv4 address per network; others are assigned in node order"),
  impair: NodeImpairmentsSchema.optional().describe("impairments per network the node joins: delay, jitter, loss, reorder, duplicate, corrupt, rate"),
};

export const TopologyHeader = z.strictObject({
  name,
  description: z.string().optional(),
  impairmentEngine: z.enum(ENGINES).default("auto").describe("tc netem where the kernel has it (auto), or demand one engine"),
  // Networks and nodes are validated one by one (load.ts), so one bad entry hides no other problem.
  networks: z.record(z.string(), z.unknown()),
  nodes: z.record(z.string(), z.unknown()),
});

/** The whole file's schema, a discriminated union over the registered kinds: used for the JSON Schema. */
export function topologySchema(kinds: KindRegistry): z.ZodType {
  const variants = kinds.all().map((k) =>
    (k.spec as unknown as z.ZodObject).extend({ kind: z.literal(k.name).describe(k.summary), ...CommonNodeFields }),
  );
  const node = variants.length === 1 ? variants[0]! : z.discriminatedUnion("kind", variants as unknown as [z.ZodObject, z.ZodObject, ...z.ZodObject[]]);
  return TopologyHeader.extend({ networks: z.record(z.string(), NetworkSchema), nodes: z.record(z.string(), node) });
}

export function nodeSchema(kinds: KindRegistry, kind: string): z.ZodObject {
  return (kinds.get(kind).spec as unknown as z.ZodObject).extend({ kind: z.literal(kind), ...CommonNodeFields });
}
