import { natTypeName } from "./questions.js";
import { choices, LabError } from "../common/errors.js";
import type { Dependency } from "../kinds/nat-router/nat-behaviour.js";
import type { UserAgentSpec } from "../kinds/user-agent/index.js";
import type { ConcentratorSpec, VpnGatewaySpec } from "../kinds/vpn-gateway/index.js";
import { SIP_LISTENERS } from "../kinds/sip-server/kamailio-files.js";
import type { ResolvedTopology } from "../topology/types.js";
import { algsOn, firewallLabels, natOf, nodeSpec, probeMeetsAlg, type SeatSip } from "./box-labels.js";
import { pathImpairments } from "./path-impairments.js";
import { type Leg, type TunnelUse, walk } from "./path-walk.js";
import { DEPENDENCIES, type Answer, type QuestionId } from "./questions.js";
import type { AlgTruth, NatTruth, Truth, VpnTruth } from "./truth-types.js";
import { commonFields } from "../topology/schema.js";

// The ground truth of a seat, derived from the topology alone: the paths from the agent to its SIP server
// and its TURN server (path-walk.ts), what the boxes on them do (box-labels.ts), and the answer that
// truth gives to each question a heuristic may be asked (questions.ts). Pure: no lab is started.

/** The seat named is not a user agent of the topology. */
export class SeatError extends LabError {
  override name = "SeatError";
}

/** Docker's default link MTU: every lab link, and so every path without a tunnel on it. */
export const LINK_MTU = 1500;

/**
 * OpenVPN 2.6's per-packet overhead on a UDP underlay, an estimate (CONDITIONS C.1, inferred there, not
 * measured): IPv4 20 + UDP 8 + opcode/peer-id 4 + packet-id 4 + AES-GCM tag 16 bytes.
 */
export const OPENVPN_UDP_OVERHEAD_ESTIMATE = 52;

export function deriveTruth(topology: ResolvedTopology, seat: string): Truth {
  const node = topology.nodes.get(seat);
  if (node?.kind !== "user-agent") {
    const seats = [...topology.nodes.values()].filter((n) => n.kind === "user-agent").map((n) => n.name);
    throw new SeatError(
      `${node ? `"${seat}" is a ${node.kind}, not a user agent` : `no node "${seat}"`} in topology ${topology.name}; seats: ${choices(seats)}`,
    );
  }
  const spec = node.spec as UserAgentSpec;
  const notes = new Set<string>();
  const turnServer = turnServerOf(topology, spec, notes);
  const sipLeg = walk(topology, seat, spec.sip.server, notes);
  const turnLeg = turnServer ? walk(topology, seat, turnServer, notes) : null;
  const media = turnLeg ?? sipLeg;
  if (!turnServer)
    notes.add(
      `no TURN server: UDP, DPI, NAT, path MTU and impairments are given towards the SIP server ${spec.sip.server}, and their questions are not answered`,
    );

  const own = seatSip(spec);
  const sipAlg = algsOn(topology, sipLeg, own, notes);
  const probe = { udp: probeMeetsAlg(sipAlg, "udp"), tcp: probeMeetsAlg(sipAlg, "tcp") };
  algNotes(spec, own, sipAlg, probe, notes);
  mirrorNotes(topology, seat, spec.sip.server, probe, notes);
  if (turnLeg) {
    const sipFw = firewallLabels(topology, sipLeg, "the SIP server", new Set());
    if (sipFw.udpBlocked.blocked)
      notes.add(
        `${sipFw.udpBlocked.by} blocks UDP to the SIP server: SIP over UDP, and an ALG probe over UDP, get no answer (sipAlgUdp is what the box would do)`,
      );
  }
  const { unsettled, ...fw } = firewallLabels(topology, media, turnServer ? "the TURN server" : "the SIP server", notes);
  const vpn = vpnTruth(topology, spec, seat, sipLeg, turnLeg, notes);
  const chain = media.hops.flatMap((h) => (h.sees === "inner" ? [natOf(topology, h)].filter((n): n is NatTruth => n !== null) : []));
  // Every packet must pass every box: a mapping that depends on the destination anywhere makes the
  // whole chain's mapping depend on it, and an inbound packet must get through the strictest filter.
  const effective = chain.length > 0 ? { mapping: mostDependent(chain.map((n) => n.mapping)), filtering: mostDependent(chain.map((n) => n.filtering)) } : null;
  const pathMtu = pathMtuOf(topology, media, notes);
  const impairments = pathImpairments(topology, media);
  const matched = impairments.links.filter((l) => l.includes("(matched: ")).length;
  if (matched > 0)
    notes.add(
      `${matched} impairment entr${matched === 1 ? "y" : "ies"} on the path ${matched === 1 ? "has" : "have"} a match: listed in impairments.links, not summed`,
    );

  const yn = (b: boolean): Answer => (b ? "yes" : "no");
  const answers: Partial<Record<QuestionId, Answer>> = {
    sipAlg: yn(probe.udp || probe.tcp),
    sipAlgUdp: yn(probe.udp),
    sipAlgTcp: yn(probe.tcp),
    vpn: yn(vpn !== null && (vpn.sipServerInside || vpn.turnServerInside)),
    vpnMode: vpn?.mode ?? "none",
  };
  if (turnServer) {
    // What the question asks is whether STUN/TURN over UDP reaches the provider (media then needs TCP or
    // TLS): a DPI rule that drops STUN on UDP stops it as surely as a UDP block does.
    answers.udpBlocked = yn(fw.udpBlocked.blocked || fw.dpi.signatures.includes("stun-udp"));
    answers.stunOverTcpBlocked = yn(fw.stunOverTcpBlocked);
    answers.lateVerdict = yn(fw.lateVerdict !== null);
    answers.natType = effective ? natTypeOf(effective) : "none";
    answers.natMapping = effective?.mapping ?? "none";
    answers.natFiltering = effective?.filtering ?? "none";
    answers.pathMtu = pathMtu;
    for (const q of unsettled) delete answers[q];
  }
  return {
    topology: topology.name,
    seat,
    sipServer: spec.sip.server,
    turnServer,
    path: { sip: sipLeg.hops, turn: turnLeg?.hops ?? [] },
    sipAlg,
    ...fw,
    vpn,
    nat: { count: chain.length, chain, outermost: chain.at(-1) ?? null, effective },
    pathMtu,
    impairments,
    answers,
    notes: [...notes],
  };
}

/**
 * RFC 3489's names for a chain's behaviour. It knows only endpoint-independent mappings (the cones) and
 * "symmetric"; an address-dependent mapping changes with the server address, which its classifiers
 * read as symmetric, so it is called that.
 */
export function natTypeOf(b: { mapping: Dependency; filtering: Dependency }): "full-cone" | "restricted-cone" | "port-restricted-cone" | "symmetric" {
  return natTypeName(b.mapping, b.filtering)!;
}

function mostDependent(list: readonly Dependency[]): Dependency {
  return list.reduce((a, b) => (DEPENDENCIES.indexOf(b) > DEPENDENCIES.indexOf(a) ? b : a));
}

/** The seat's TURN server: its ICE server, else the topology's only one, else none. */
export function turnServerOf(t: ResolvedTopology, spec: UserAgentSpec, notes: Set<string> = new Set()): string | null {
  if (spec.ice) return spec.ice.server;
  const all = [...t.nodes.values()].filter((n) => n.kind === "turn-server").map((n) => n.name);
  if (all.length > 1) notes.add(`${all.length} TURN servers (${all.join(", ")}) and no ice.server to choose one: the TURN questions are not answered`);
  return all.length === 1 ? all[0]! : null;
}

/** The SIP an ALG could read: UDP to the server's port, or TCP to 5060; TLS and WSS are encrypted, WS frames masked. */
function seatSip(spec: UserAgentSpec): SeatSip {
  if (spec.sip.transport === "udp") return { transport: "udp", port: spec.sip.serverPort ?? SIP_LISTENERS.udp };
  if (spec.sip.transport === "tcp") return { transport: "tcp", port: SIP_LISTENERS.tcp };
  return null;
}

function algNotes(spec: UserAgentSpec, own: SeatSip, algs: readonly AlgTruth[], probe: { udp: boolean; tcp: boolean }, notes: Set<string>): void {
  if (algs.length === 0) return;
  const untouched = algs.filter((a) => a.transports.length === 0).map((a) => a.node);
  const seatUses = own ? `${own.transport} to ${own.port}` : spec.sip.transport;
  if ((probe.udp || probe.tcp) && untouched.length === algs.length)
    notes.add(`the seat's own SIP (${seatUses}) passes ${untouched.join(", ")}'s ALG untouched; sipAlg answers for probes over UDP/TCP to 5060`);
  if (!probe.udp && !probe.tcp && untouched.length < algs.length)
    notes.add(`the seat's own SIP (${seatUses}) is rewritten, though a probe to 5060 is not: sipAlg answers for the probe`);
}

/** A heuristic probes the ALG through a SIP mirror: say so when the mirror's path meets another ALG than the SIP server's. */
function mirrorNotes(t: ResolvedTopology, seat: string, sipServer: string, probe: { udp: boolean; tcp: boolean }, notes: Set<string>): void {
  for (const m of [...t.nodes.values()].filter((n) => n.kind === "sip-mirror")) {
    let leg: Leg;
    try {
      leg = walk(t, seat, m.name, new Set());
    } catch (e) {
      notes.add(`the SIP mirror ${m.name} is unreachable from ${seat} (${(e as Error).message})`);
      continue;
    }
    const algs = algsOn(t, leg, null, new Set());
    const there = { udp: probeMeetsAlg(algs, "udp"), tcp: probeMeetsAlg(algs, "tcp") };
    if (there.udp !== probe.udp || there.tcp !== probe.tcp)
      notes.add(
        `a probe to the SIP mirror ${m.name} takes another path than SIP to ${sipServer} and meets ${algs.map((a) => a.node).join(", ") || "no ALG"} (udp ${there.udp ? "yes" : "no"}, tcp ${there.tcp ? "yes" : "no"}); the answers follow the path to ${sipServer}`,
      );
  }
}

function vpnTruth(t: ResolvedTopology, spec: UserAgentSpec, seat: string, sipLeg: Leg, turnLeg: Leg | null, notes: Set<string>): VpnTruth | null {
  const used = [...sipLeg.tunnels, ...(turnLeg?.tunnels ?? [])].filter((u) => u.sees === "inner");
  let tunnel: Omit<TunnelUse, "sees"> | undefined = used[0];
  // A tunnel the seat could use though neither server is routed into it is still its VPN.
  if (!tunnel && spec.vpn) tunnel = { client: seat, concentrator: spec.vpn.server, where: "seat", mode: spec.vpn.mode };
  if (!tunnel) {
    const site = [...sipLeg.hops, ...(turnLeg?.hops ?? [])].find(
      (h) => h.sees === "inner" && h.kind === "vpn-gateway" && nodeSpec<VpnGatewaySpec>(t, h.node).role === "client",
    );
    const s = site && nodeSpec<Extract<VpnGatewaySpec, { role: "client" }>>(t, site.node);
    if (site && s) tunnel = { client: site.node, concentrator: s.server, where: "site", mode: s.mode };
  }
  if (!tunnel) return null;
  const chosen = tunnel;
  const others = new Set(used.filter((u) => u.client !== chosen.client).map((u) => `${u.client} → ${u.concentrator}`));
  if (others.size > 0) notes.add(`more than one tunnel on the paths (${[...others].join(", ")}); vpn describes ${chosen.client} → ${chosen.concentrator}`);
  const inside = (leg: Leg | null): boolean => leg?.tunnels.some((u) => u.sees === "inner" && u.client === chosen.client) ?? false;
  const server = nodeSpec<ConcentratorSpec>(t, chosen.concentrator);
  const truth: VpnTruth = {
    mode: chosen.mode,
    where: chosen.where,
    client: chosen.client,
    concentrator: chosen.concentrator,
    proto: server.proto,
    mtu: server.mtu,
    sipServerInside: inside(sipLeg),
    turnServerInside: inside(turnLeg),
  };
  if (!truth.sipServerInside && !truth.turnServerInside)
    notes.add(
      `the ${truth.mode} tunnel ${chosen.client} → ${chosen.concentrator} carries neither the SIP server nor the TURN server: vpn no, vpnMode ${truth.mode}`,
    );
  else if (turnLeg && truth.sipServerInside !== truth.turnServerInside)
    notes.add(
      `split tunnel: ${truth.sipServerInside ? "SIP goes through the tunnel, media to the TURN server direct" : "media to the TURN server goes through the tunnel, SIP direct"}: the provider sees the seat from two addresses`,
    );
  if (truth.where === "seat")
    notes.add(`${seat}'s VPN client runs on its own host: a heuristic run inside the seat is in the tunnel, one attached beside it as a container is not`);
  return truth;
}

/** The largest packet that reaches the destination whole; a tunnel is its tun-mtu, or what fits one underlay packet. */
function pathMtuOf(t: ResolvedTopology, leg: Leg, notes: Set<string>): number {
  const tunnel = leg.tunnels.find((u) => u.sees === "inner");
  if (!tunnel) return linksMtu(t, leg, notes);
  if (leg.tunnels.length > 1) notes.add("a tunnel runs inside another's underlay: pathMtu counts the innermost tunnel's MTU only");
  const server = nodeSpec<ConcentratorSpec>(t, tunnel.concentrator);
  const client = t.nodes.get(tunnel.client)!;
  const clientSpec = client.kind === "vpn-gateway" ? (client.spec as VpnGatewaySpec) : undefined;
  // The packet leaves the concentrator by a 1500-byte link whatever the tunnel's MTU.
  let mtu = Math.min(server.mtu, LINK_MTU);
  // Either end dropping fragments loses an oversized packet one way or the other; an MTU probe needs both.
  const drops = [server.dropFragments && tunnel.concentrator, clientSpec?.dropFragments && tunnel.client].filter(Boolean);
  if (drops.length > 0 && server.proto === "udp") {
    const fits = LINK_MTU - OPENVPN_UDP_OVERHEAD_ESTIMATE;
    if (fits < mtu) {
      notes.add(
        `${drops.join(" and ")} drop${drops.length === 1 ? "s" : ""} fragments under a UDP tunnel of tun-mtu ${server.mtu}: pathMtu ${fits} is ${LINK_MTU} minus an estimated ${OPENVPN_UDP_OVERHEAD_ESTIMATE} bytes of OpenVPN overhead (CONDITIONS C.1), not a measurement`,
      );
      mtu = fits;
    }
  }
  if (drops.length > 0 && server.proto === "tcp")
    notes.add("the tunnel runs over TCP, whose segments are never fragmented: dropFragments does not limit its MTU");
  for (const [name, s] of [
    [tunnel.concentrator, server],
    [tunnel.client, clientSpec],
  ] as const)
    if (s?.blockFragNeeded)
      notes.add(`${name} never sends "fragmentation needed": a packet over ${mtu} bytes vanishes without an ICMP error (a PMTU black hole)`);
  return mtu;
}

/**
 * A link end's MTU: the node's own on that network, but never above the network's (or Ethernet's 1500),
 * which the bridge's side of the link keeps.
 */
export function linkEndMtu(t: ResolvedTopology, node: string, network: string): number {
  const n = t.nodes.get(node);
  const own = n ? commonFields(n).linkMtu?.[network] : undefined;
  return Math.min(own ?? Number.POSITIVE_INFINITY, t.networks.get(network)?.mtu ?? LINK_MTU);
}

/**
 * The smallest MTU of the links a leg with no tunnel crosses, both ends of each (a receiving veth drops a
 * frame larger than its own MTU, as a mismatched Ethernet port does).
 */
function linksMtu(t: ResolvedTopology, leg: Leg, notes: Set<string>): number {
  const ends: Array<[string, string]> = [[leg.from, leg.originOut]];
  for (const h of leg.hops) ends.push([h.node, h.in], [h.node, h.out]);
  ends.push([leg.to, leg.arrive]);
  const mtu = Math.min(...ends.map(([node, network]) => linkEndMtu(t, node, network)));
  if (mtu < LINK_MTU) {
    const silent = leg.hops
      .filter(
        (h) => h.kind === "nat-router" && (t.nodes.get(h.node)?.spec as { firewall?: { fragNeeded?: string } } | undefined)?.firewall?.fragNeeded === "drop",
      )
      .map((h) => h.node);
    if (silent.length > 0)
      notes.add(
        `${silent.join(" and ")} drop${silent.length === 1 ? "s" : ""} "fragmentation needed" on a path whose MTU is ${mtu}: a larger packet with DF set vanishes without an ICMP error (a PMTU black hole)`,
      );
  }
  return mtu;
}
