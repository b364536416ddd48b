// A lab is sealed when no node can route to the Docker host's gateway or beyond. Checked with
// `ip route get`, which asks the routing table without sending anything.
export const SEAL_PROBES = ["192.0.2.123", "203.0.113.123", "100.64.0.1", "172.16.0.1"];

/**
 * The end of a lab's world. Nodes without a gateway (servers, routers) send what no lab network holds
 * into a veth whose far end sits unaddressed in the same namespace, where it is dropped in silence: the
 * way the internet drops packets for unrouted private space. Without it such a send fails at once with
 * ENETUNREACH, which no real server sees, and which coturn, for one, answers by closing the allocation.
 */
export const SINK_DEVICE = "cp-sink";

export function sinkRoute(): string[] {
  return [
    `ip link add ${SINK_DEVICE} type veth peer name ${SINK_DEVICE}-end`,
    `ip link set ${SINK_DEVICE} arp off up`,
    `ip link set ${SINK_DEVICE}-end up`,
    `ip -4 route add default dev ${SINK_DEVICE}`,
  ];
}

export type RouteVerdict = { readonly sealed: true } | { readonly sealed: false; readonly reason: string };

/**
 * Judges one `ip -4 route get <probe>` result. Unreachable is sealed; a next hop is sealed only when it is
 * a node of the lab (whose own routes are checked in turn); anything via a bridge gateway, or on-link, leaks.
 */
export function judgeRoute(output: string, exitCode: number, labAddresses: ReadonlySet<string>, bridgeGateways: ReadonlySet<string>): RouteVerdict {
  if (exitCode !== 0) {
    return /unreachable|prohibit|blackhole/i.test(output) ? { sealed: true } : { sealed: false, reason: `unexpected answer: ${output.trim()}` };
  }
  if (/^(unreachable|prohibit|blackhole)\b/m.test(output)) return { sealed: true };
  if (new RegExp(`\\bdev ${SINK_DEVICE}\\b`).test(output)) return { sealed: true };
  // A VPN client's tunnel (tun0) ends at the lab's own concentrator, whose routes are judged in turn.
  if (/\bdev tun\d+\b/.test(output)) return { sealed: true };
  const via = /\bvia (\S+)/.exec(output)?.[1];
  if (!via) return { sealed: false, reason: `on-link route: ${output.trim()}` };
  if (bridgeGateways.has(via)) return { sealed: false, reason: `routes via the Docker bridge gateway ${via}` };
  if (!labAddresses.has(via)) return { sealed: false, reason: `routes via ${via}, which is no node of this lab` };
  return { sealed: true };
}
