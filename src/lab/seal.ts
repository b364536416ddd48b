import { contains, formatIp, parseCidr, parseIp, size, type Cidr } from "../common/ipv4.js";

// A lab is sealed when no node can route to the Docker host's gateway or beyond. Checked with
// `ip route get`, which asks the routing table without sending anything.

/** One probe per class of space a leak would reach: documentation (twice), carrier-grade NAT, private. */
const PROBE_CLASSES: ReadonlyArray<{ readonly preferred: string; readonly space: readonly string[] }> = [
  { preferred: "192.0.2.123", space: ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"] },
  { preferred: "203.0.113.123", space: ["203.0.113.0/24", "198.51.100.0/24", "192.0.2.0/24"] },
  { preferred: "100.64.0.1", space: ["100.64.0.0/10"] },
  { preferred: "172.16.0.1", space: ["172.16.0.0/12", "192.168.0.0/16", "10.0.0.0/8"] },
];

export const DEFAULT_SEAL_PROBES = PROBE_CLASSES.map((c) => c.preferred);

/**
 * The addresses the seal check probes, as a pure function of the lab's subnets: each class's preferred
 * address, or, where a lab network holds it (a CGNAT lab on 100.64.0.0/10), the first address of the same
 * class outside every lab subnet. A class the lab covers entirely is not probed: none of it lies outside.
 */
export function sealProbes(labSubnets: readonly Cidr[]): string[] {
  const inLab = (ip: number): Cidr | undefined => labSubnets.find((s) => contains(s, ip));
  const probes: string[] = [];
  for (const c of PROBE_CLASSES) {
    const starts = [parseIp(c.preferred)!, ...c.space.map((b) => parseCidr(b)!.network + 1)];
    const found = starts
      .map((start) =>
        freeFrom(
          start,
          c.space.map((b) => parseCidr(b)!),
          inLab,
          probes,
        ),
      )
      .find((ip) => ip !== undefined);
    if (found !== undefined) probes.push(formatIp(found));
  }
  return probes;
}

/** The first address from `start` on, inside its block of `space`, in no lab subnet and not yet a probe. */
function freeFrom(start: number, space: readonly Cidr[], inLab: (ip: number) => Cidr | undefined, taken: readonly string[]): number | undefined {
  const block = space.find((b) => contains(b, start));
  if (!block) return undefined;
  const end = block.network + size(block);
  let ip = start;
  // Each step jumps past a whole lab subnet (or one taken probe): at most one step per lab network.
  while (ip < end) {
    const hit = inLab(ip);
    if (hit) ip = hit.network + size(hit) + 1;
    else if (taken.includes(formatIp(ip))) ip++;
    else return ip;
  }
  return undefined;
}

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
