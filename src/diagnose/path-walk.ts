import { contains, formatCidr, hostAt, overlaps, parseCidr, type Cidr } from "../common/ipv4.js";
import type { UserAgentSpec } from "../kinds/user-agent/index.js";
import type { VpnGatewaySpec } from "../kinds/vpn-gateway/index.js";
import { PRIVATE_POOLS, PUBLIC_POOLS } from "../lab/subnet-pool.js";
import type { ResolvedNode, ResolvedTopology } from "../topology/types.js";
import type { PathHop } from "./truth-types.js";

// The way a packet from one node to another really goes through a topology, box by box, decided the way
// the lab's routing decides it: on-link first, then the node's gateway; a site VPN gateway's LAN traffic
// and an agent's own VPN client take the tunnel when it is full or a split route covers the destination.
// A tunnel's underlay is walked like any other path, and every box on it sees only the tunnel ("outer").

export type Sees = PathHop["sees"];
export type Hop = PathHop;

export interface TunnelUse {
  readonly client: string;
  readonly concentrator: string;
  readonly where: "seat" | "site";
  readonly mode: "full" | "split";
  /** "outer": a tunnel inside another's underlay. */
  readonly sees: Sees;
}

/** One way from `from` to `to`: the origin's egress network, the boxes crossed in order, the arrival network. */
export interface Leg {
  readonly from: string;
  readonly to: string;
  readonly originOut: string;
  readonly hops: readonly Hop[];
  readonly arrive: string;
  readonly tunnels: readonly TunnelUse[];
}

/** A seat that cannot reach a destination at all: the topology routes nowhere (a broken variant). */
export class UnreachableError extends Error {
  override name = "UnreachableError";
}

/** Far above any real path; only a routing loop the checker missed would reach it. */
const MAX_STEPS = 64;
const MAX_TUNNEL_DEPTH = 4;

export function walk(t: ResolvedTopology, from: string, to: string, notes: Set<string>): Leg {
  return travel(t, nodeOf(t, from), nodeOf(t, to), "inner", false, notes, 0);
}

type Step =
  | { readonly type: "arrive"; readonly network: string }
  | { readonly type: "gateway"; readonly node: ResolvedNode; readonly network: string }
  | { readonly type: "tunnel"; readonly concentrator: string; readonly where: "seat" | "site"; readonly mode: "full" | "split" }
  | { readonly type: "unreachable"; readonly why: string };

/** `underlayOrigin`: the origin is a tunnel client sending its own tunnel packets, which never enter the tunnel. */
function travel(t: ResolvedTopology, origin: ResolvedNode, dest: ResolvedNode, sees: Sees, underlayOrigin: boolean, notes: Set<string>, depth: number): Leg {
  if (depth > MAX_TUNNEL_DEPTH) throw new UnreachableError(`tunnels nest more than ${MAX_TUNNEL_DEPTH} deep on the way to ${dest.name}`);
  const hops: Hop[] = [];
  const tunnels: TunnelUse[] = [];
  let originOut: string | undefined;
  let at = origin;
  let inNet: string | undefined;
  let role: Hop["role"] = "router";
  const leave = (out: string, as: Hop["role"]): void => {
    if (inNet === undefined) originOut = out;
    else hops.push({ node: at.name, kind: at.kind, sees, in: inNet, out, role: as });
  };
  for (let i = 0; i < MAX_STEPS; i++) {
    const step = nextStep(t, at, inNet, dest, underlayOrigin && at === origin, notes);
    if (step.type === "unreachable") throw new UnreachableError(`${origin.name} cannot reach ${dest.name}: ${step.why}`);
    if (step.type === "arrive") {
      leave(step.network, role);
      return { from: origin.name, to: dest.name, originOut: originOut!, hops, arrive: step.network, tunnels };
    }
    if (step.type === "gateway") {
      leave(step.network, role);
      at = step.node;
      inNet = step.network;
      role = "router";
      continue;
    }
    const server = nodeOf(t, step.concentrator);
    const underlay = travel(t, at, server, "outer", true, notes, depth + 1);
    leave(underlay.originOut, "tunnel-client");
    hops.push(...underlay.hops);
    tunnels.push(...underlay.tunnels, { client: at.name, concentrator: server.name, where: step.where, mode: step.mode, sees });
    at = server;
    inNet = underlay.arrive;
    role = "tunnel-server";
  }
  throw new UnreachableError(`${origin.name} → ${dest.name}: more than ${MAX_STEPS} hops (a routing loop)`);
}

function nextStep(t: ResolvedTopology, at: ResolvedNode, inNet: string | undefined, dest: ResolvedNode, underlayOrigin: boolean, notes: Set<string>): Step {
  const onLink = sharedNetwork(at, dest);
  const isOrigin = inNet === undefined;
  if (at.kind === "user-agent" && isOrigin) {
    const vpn = (at.spec as UserAgentSpec).vpn;
    // The agent's client pins the concentrator to its gateway with a host route; its full tunnel is
    // 0/1 + 128/1, which the on-link subnet route still beats; a split route is a /32 or a prefix.
    if (underlayOrigin) return gatewayStep(t, at) ?? { type: "unreachable", why: `${at.name} has a VPN client but no gateway` };
    if (vpn && (vpn.mode === "full" ? onLink === undefined : covers(t, vpn.routes, dest, `${at.name}.vpn.routes`, notes)))
      return { type: "tunnel", concentrator: vpn.server, where: "seat", mode: vpn.mode };
  }
  if (at.kind === "vpn-gateway") {
    const spec = at.spec as VpnGatewaySpec;
    // Only what arrives from its LAN follows the tunnel table, and a full tunnel's default route there
    // takes even destinations on its own WAN.
    if (spec.role === "client" && inNet === spec.lan && (spec.mode === "full" || covers(t, spec.routes, dest, `${at.name}.routes`, notes)))
      return { type: "tunnel", concentrator: spec.server, where: "site", mode: spec.mode };
  }
  if (onLink !== undefined) return { type: "arrive", network: onLink };
  return gatewayStep(t, at) ?? { type: "unreachable", why: `${at.name} shares no network with ${dest.name} and has no gateway` };
}

function gatewayStep(t: ResolvedTopology, at: ResolvedNode): Step | undefined {
  if (at.gateway === undefined) return undefined;
  const gw = nodeOf(t, at.gateway);
  const shared = gw.interfaces.filter((g) => at.interfaces.some((i) => i.network === g.network));
  const network = (shared.find((g) => g.role === "lan") ?? shared[0])?.network;
  return network === undefined
    ? { type: "unreachable", why: `${at.name}'s gateway ${gw.name} shares no network with it` }
    : { type: "gateway", node: gw, network };
}

function sharedNetwork(a: ResolvedNode, b: ResolvedNode): string | undefined {
  return a.interfaces.find((i) => b.interfaces.some((j) => j.network === i.network))?.network;
}

function nodeOf(t: ResolvedTopology, name: string): ResolvedNode {
  const n = t.nodes.get(name);
  if (!n) throw new UnreachableError(`no node "${name}"`);
  return n;
}

/** A node's address on a network, or null when the lab allocates the subnet only at start. */
export function addressOn(t: ResolvedTopology, node: ResolvedNode, network: string): number | null {
  const i = node.interfaces.find((x) => x.network === network);
  if (!i) return null;
  if ("ip" in i.address) return i.address.ip;
  const subnet = t.networks.get(network)?.subnet;
  return subnet ? hostAt(subnet, i.address.host) : null;
}

/**
 * Whether a node-or-prefix entry (a split route, an allowlist entry) takes in `dest`. A node entry stands
 * for that node; a prefix is checked against dest's addresses, or, where the lab allocates them at start,
 * against the pools they come from: a prefix holding every pool is yes, one touching none is no, and
 * anything between cannot be told before the lab runs.
 */
export function entryCovers(t: ResolvedTopology, entry: string, dest: ResolvedNode): "yes" | "no" | "unknown" {
  if (entry === dest.name) return "yes";
  if (t.nodes.has(entry)) return "no";
  const prefix = parseCidr(entry.includes("/") ? entry : `${entry}/32`);
  if (!prefix) return "no";
  let unknown = false;
  for (const i of dest.interfaces) {
    const ip = addressOn(t, dest, i.network);
    if (ip !== null) {
      if (contains(prefix, ip)) return "yes";
      continue;
    }
    const pools: readonly Cidr[] = t.networks.get(i.network)?.public ? PUBLIC_POOLS : PRIVATE_POOLS;
    if (pools.every((p) => p.prefix >= prefix.prefix && overlaps(p, prefix))) return "yes";
    if (pools.some((p) => overlaps(p, prefix))) unknown = true;
  }
  return unknown ? "unknown" : "no";
}

/** Whether any entry covers `dest`; an undecidable prefix counts as not covering, with a note saying so. */
export function covers(t: ResolvedTopology, entries: readonly string[], dest: ResolvedNode, where: string, notes: Set<string>): boolean {
  let covered = false;
  for (const e of entries) {
    const c = entryCovers(t, e, dest);
    if (c === "yes") covered = true;
    if (c === "unknown")
      notes.add(
        `${where}: whether ${formatCidr(parseCidr(e.includes("/") ? e : `${e}/32`)!)} holds ${dest.name} depends on the subnet the lab allocates; taken as not`,
      );
  }
  return covered;
}
