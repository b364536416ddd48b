import { LabError } from "../common/errors.js";
import { formatCidr, parseCidr } from "../common/ipv4.js";
import type { NodeRuntime } from "./kind.js";

/**
 * A topology field that names a node or a prefix (a route, a match's `to`/`from`), as a prefix: a node
 * stands for its first address. What comes back is always printed from a parsed prefix, never the field's
 * own text, so it is safe in a shell line or a ruleset.
 */
export function nodeOrPrefix(rt: Pick<NodeRuntime, "topology" | "addressOf">, ref: string): string {
  const text = rt.topology.nodes.has(ref) ? `${rt.addressOf(ref)}/32` : ref.includes("/") ? ref : `${ref}/32`;
  const cidr = parseCidr(text);
  if (!cidr) throw new LabError(`${JSON.stringify(ref.slice(0, 60))} is neither a node nor an IPv4 prefix`);
  return formatCidr(cidr);
}

/**
 * A route's or an allowlist's node-or-prefix, as every prefix it stands for: a node is each of its addresses
 * (a TURN server's RFC 5780 second address too), so traffic to any of them takes the same path.
 */
export function nodeOrPrefixes(rt: Pick<NodeRuntime, "topology" | "addressOf" | "addressesOf">, ref: string): string[] {
  const node = rt.topology.nodes.get(ref);
  if (!node) return [nodeOrPrefix(rt, ref)];
  const networks = [...new Set(node.interfaces.map((i) => i.network))];
  return [...new Set(networks.flatMap((n) => rt.addressesOf(ref, n)).map((ip) => nodeOrPrefix(rt, ip)))];
}
