import type { NodeRuntime } from "./kind.js";

/**
 * A topology field that names a node or a prefix (a route, a match's `to`/`from`), as a prefix: a node
 * stands for its first address.
 */
export function nodeOrPrefix(rt: Pick<NodeRuntime, "topology" | "addressOf">, ref: string): string {
  return rt.topology.nodes.has(ref) ? `${rt.addressOf(ref)}/32` : ref;
}
