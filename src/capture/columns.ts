import type { ResolvedTopology } from "../topology/types.js";

/**
 * The ladder's columns from left to right, as a network diagram reads: the hosts deepest behind routers
 * first, then the routers from the inside out, then everything on the outside (servers, public hosts) in
 * declaration order. Within a node, its interfaces in attachment order (a router's LAN before its WAN).
 */
export function columnOrder(topology: ResolvedTopology, forwarders: ReadonlySet<string>): string[] {
  const depth = (name: string, seen = new Set<string>()): number => {
    const gw = topology.nodes.get(name)?.gateway;
    if (!gw || seen.has(name)) return 0;
    seen.add(name);
    return 1 + depth(gw, seen);
  };
  const names = [...topology.nodes.keys()];
  const index = new Map(names.map((n, i) => [n, i]));
  const group = (n: string): number => (forwarders.has(n) ? 1 : depth(n) > 0 ? 0 : 2);
  return names.sort((a, b) => group(a) - group(b) || (group(a) < 2 ? depth(b) - depth(a) : 0) || index.get(a)! - index.get(b)!);
}

/** Sorts captured interfaces by columnOrder, then by the node's own interface order. */
export function orderInterfaces<T extends { readonly node: string; readonly network: string }>(
  interfaces: readonly T[],
  topology: ResolvedTopology,
  forwarders: ReadonlySet<string>,
): T[] {
  const order = new Map(columnOrder(topology, forwarders).map((n, i) => [n, i]));
  const own = (i: T): number => topology.nodes.get(i.node)?.interfaces.findIndex((x) => x.network === i.network) ?? 0;
  return [...interfaces].sort((a, b) => (order.get(a.node) ?? 0) - (order.get(b.node) ?? 0) || own(a) - own(b));
}
