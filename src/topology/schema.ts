import { z } from "zod";
import { ipv4, name, networkRef } from "./fields.js";
import type { KindRegistry } from "../kinds/registry.js";
import type { AnyKind } from "../kinds/kind.js";
import { ENGINES, NodeImpairmentsSchema } from "../impair/model.js";

export { cidr, ipv4, name, NAME, NAME_RULE, networkRef, nodeOrPrefix, nodeRef } from "./fields.js";

/** An IPv4 link MTU: 576 (RFC 791's minimum datagram every host takes) to 9000 (a jumbo frame). */
export const Mtu = z.number().int().min(576).max(9000);

export const NetworkSchema = z
  .strictObject({
    subnet: z.string().max(18).optional().describe("IPv4 subnet in CIDR form; omit to allocate one from the pool"),
    public: z.boolean().default(false).describe("an 'internet' segment: addressed from the documentation ranges (RFC 5737)"),
    mtu: Mtu.optional().describe("the segment's MTU, every interface on it (Docker's bridge option); 1500 when omitted"),
  })
  .describe("a network segment (a Docker bridge with no route out)");

/** Fields every node has, whatever its kind. */
export const CommonNodeFields = {
  addresses: z.record(networkRef("a network the node joins"), ipv4).optional().describe("fixed IPv4 address per network; others are assigned in node order"),
  linkMtu: z
    .record(networkRef("a network the node joins"), Mtu)
    .optional()
    .describe("MTU of the node's own interface on a network (one link end: a PPPoE router's WAN at 1492), over the network's own"),
  impair: NodeImpairmentsSchema.optional().describe("impairments per network the node joins: delay, jitter, loss, reorder, duplicate, corrupt, rate"),
};

/** The common fields as a parsed node holds them. */
export type CommonNodeSpec = { readonly [K in keyof typeof CommonNodeFields]?: z.infer<(typeof CommonNodeFields)[K]> };

/** A node's common fields, whatever its kind's own spec type (every node's schema has them: withFields). */
export function commonFields(node: { readonly spec: unknown }): CommonNodeSpec {
  return node.spec as CommonNodeSpec;
}

export const TopologyHeader = z.strictObject({
  name,
  description: z.string().max(1000).optional(),
  impairmentEngine: z.enum(ENGINES).default("auto").describe("tc netem where the kernel has it (auto), or demand one engine"),
  // Networks and nodes are validated one by one (load.ts), so one bad entry hides no other problem.
  networks: z.record(z.string(), z.unknown()),
  nodes: z.record(z.string(), z.unknown()),
});

type Shape = Record<string, z.ZodType>;

/** A kind's spec with `kind` and the common fields added: one object, or (vpn-gateway) each variant of a union. */
function withFields(spec: z.ZodType, extra: Shape): z.ZodType {
  if (spec instanceof z.ZodDiscriminatedUnion) {
    const options = (spec.options as unknown as z.ZodObject[]).map((o) => o.extend(extra));
    return z.discriminatedUnion(spec._zod.def.discriminator, options as unknown as [z.ZodObject, ...z.ZodObject[]]);
  }
  return (spec as z.ZodObject).extend(extra);
}

/** The whole file's schema, a discriminated union over the registered kinds: used for the JSON Schema. */
export function topologySchema(kinds: KindRegistry): z.ZodType {
  const variants = kinds.all().map((k) => withFields(k.spec, { kind: z.literal(k.name).describe(k.summary), ...CommonNodeFields }));
  const node = variants.length === 1 ? variants[0]! : z.discriminatedUnion("kind", variants as unknown as [z.ZodObject, z.ZodObject, ...z.ZodObject[]]);
  return TopologyHeader.extend({ networks: z.record(name, NetworkSchema), nodes: z.record(name, node) });
}

const nodeSchemas = new WeakMap<AnyKind, z.ZodType>();

export function nodeSchema(kinds: KindRegistry, kind: string): z.ZodType {
  const k = kinds.get(kind);
  let schema = nodeSchemas.get(k);
  if (!schema) nodeSchemas.set(k, (schema = withFields(k.spec, { kind: z.literal(kind), ...CommonNodeFields })));
  return schema;
}
