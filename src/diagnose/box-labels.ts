import { type NatRouterSpec, resolveAlg } from "../kinds/nat-router/index.js";
import { type FirewallSpec, isActive, type Signature } from "../kinds/nat-router/firewall.js";
import { DEFAULT_UDP_TIMEOUT_SEC, NAT_PRESETS } from "../kinds/nat-router/nat-behaviour.js";
import type { ConcentratorSpec, VpnGatewaySpec } from "../kinds/vpn-gateway/index.js";
import type { ResolvedNode, ResolvedTopology } from "../topology/types.js";
import { entryCovers, type Hop, type Leg } from "./path-walk.js";
import type { AlgTruth, NatTruth, Truth } from "./truth-types.js";

// What each box on a leg does to the seat's traffic: its SIP ALG, its firewall, its NAT. A box that sees
// only a tunnel ("outer") does none of it to the seat's packets; what it would do to the tunnel itself
// goes into the notes.

type Transport = "udp" | "tcp";

/** The plaintext SIP an ALG could read on the way to the SIP server: none over TLS/WSS (encrypted) or WS (masked frames). */
export type SeatSip = { readonly transport: Transport; readonly port: number } | null;

/**
 * Which transports each ALG on `leg` really rewrites for SIP to `port`. The kernel helper (nf_nat_sip)
 * rewrites only addresses equal to the connection's own source: behind another NAT that did not rewrite
 * them, the message still names the seat's address, not the packet's, and the helper leaves it alone. The
 * userspace ALG rewrites any private address literal (rewriter.ts), so it acts behind a NAT too, as long as
 * its rules rewrite anything. A NAT that rewrote the SIP makes its own public address the one the message
 * names, which is the next box's source again.
 */
function rewritesFor(t: ResolvedTopology, leg: Leg, port: number): Map<string, Transport[]> {
  const seatNet = t.nodes.get(leg.from)?.interfaces[0]?.network;
  const matchesSource = { udp: true, tcp: true };
  const isPrivate = { udp: !t.networks.get(seatNet ?? "")?.public, tcp: !t.networks.get(seatNet ?? "")?.public };
  const out = new Map<string, Transport[]>();
  for (const hop of leg.hops) {
    if (hop.sees !== "inner") continue;
    const rewrote: Transport[] = [];
    if (hop.kind === "nat-router") {
      const spec = nodeSpec<NatRouterSpec>(t, hop.node);
      const alg = resolveAlg(spec.alg);
      for (const tr of ["udp", "tcp"] as const) {
        if (alg.kind === "netfilter" && hop.in === spec.lan && alg.helper.protocols.includes(tr) && alg.helper.ports.includes(port) && matchesSource[tr])
          rewrote.push(tr);
        if (alg.kind === "userspace" && hop.out === spec.wan && tr === "udp" && alg.rules.ports.includes(port) && alg.rules.rewrite.length > 0 && isPrivate[tr])
          rewrote.push(tr);
      }
      out.set(hop.node, rewrote);
    }
    if (natOf(t, hop)) {
      const wan = hop.kind === "nat-router" ? nodeSpec<NatRouterSpec>(t, hop.node).wan : undefined;
      for (const tr of ["udp", "tcp"] as const) {
        matchesSource[tr] = rewrote.includes(tr);
        if (rewrote.includes(tr)) isPrivate[tr] = !t.networks.get(wan ?? "")?.public;
      }
    }
  }
  return out;
}

/**
 * The ALGs that see the seat's packets on `leg`. The kernel helper is attached to what arrives from the
 * router's LAN (iifname lan); the userspace ALG is queued what leaves by its WAN (oifname wan), on UDP
 * only (alg-ruleset.ts: `udp dport { ports }`). `transports`/`ports` are what it rewrites of the seat's own
 * SIP; `probe5060` what it rewrites of a probe to 5060 (rewritesFor says when a box behind a NAT does not).
 */
export function algsOn(t: ResolvedTopology, leg: Leg, seatSip: SeatSip, notes: Set<string>): AlgTruth[] {
  const found: AlgTruth[] = [];
  const probe = rewritesFor(t, leg, 5060);
  const own = seatSip ? rewritesFor(t, leg, seatSip.port) : new Map<string, Transport[]>();
  for (const hop of leg.hops) {
    if (hop.kind !== "nat-router") continue;
    const spec = nodeSpec<NatRouterSpec>(t, hop.node);
    const alg = resolveAlg(spec.alg);
    if (alg.kind === "off") continue;
    const name = alg.kind === "netfilter" ? "netfilter" : `userspace ${alg.profile}`;
    if (hop.sees === "outer") {
      notes.add(`${hop.node}'s ALG (${name}) sees only the VPN tunnel it carries: it cannot read the seat's SIP to ${leg.to}`);
      continue;
    }
    if (alg.kind === "netfilter" ? hop.in !== spec.lan : hop.out !== spec.wan) continue;
    const actsOn =
      alg.kind === "netfilter"
        ? { transports: (["udp", "tcp"] as const).filter((p) => alg.helper.protocols.includes(p)), ports: [...alg.helper.ports] }
        : { transports: ["udp" as const], ports: [...alg.rules.ports] };
    const seat = seatSip && (own.get(hop.node) ?? []).includes(seatSip.transport) ? seatSip : null;
    const probe5060 = probe.get(hop.node) ?? [];
    if (actsOn.ports.includes(5060) && probe5060.length < actsOn.transports.length)
      notes.add(
        alg.kind === "netfilter"
          ? `${hop.node}'s kernel helper sits behind a NAT that did not rewrite the SIP: the messages name an address that is not the packet's source, so it rewrites nothing (nf_nat_sip matches the connection's own address)`
          : `${hop.node}'s userspace ALG finds nothing to rewrite (its rules rewrite no field, or the messages carry no private address)`,
      );
    if (alg.kind === "netfilter" && spec.tcpMss !== undefined && actsOn.transports.includes("tcp"))
      notes.add(
        `${hop.node} clamps the TCP MSS to ${spec.tcpMss}: the kernel helper skips a SIP/TCP message split across segments (A3.10), so only short ones are rewritten`,
      );
    found.push({
      node: hop.node,
      alg: alg.kind,
      ...(alg.kind === "userspace" ? { profile: alg.profile } : {}),
      transports: seat ? [seat.transport] : [],
      ports: seat ? [seat.port] : [],
      actsOn,
      probe5060,
    });
  }
  return found;
}

/** Whether a probe over `transport` to port 5060 towards `leg.to` is rewritten by an ALG. */
export function probeMeetsAlg(algs: readonly AlgTruth[], transport: Transport): boolean {
  return algs.some((a) => a.probe5060.includes(transport));
}

export type FirewallLabels = Pick<Truth, "udpBlocked" | "dpi" | "stunOverTcpBlocked" | "lateVerdict"> & {
  /** Answers the topology alone cannot settle (an allowlist prefix against a subnet the lab allocates): left unanswered. */
  readonly unsettled: readonly ("udpBlocked" | "stunOverTcpBlocked" | "lateVerdict")[];
};

/**
 * The firewalls on `leg` (towards `what`: "the TURN server"). Rules are in the router's forward chain, on
 * every forwarded packet whatever its interfaces, so a firewall acts wherever the path crosses it. Its
 * allowlist matches destination and source: the destination here, and the packet's source at that box
 * (the seat, or the last NAT before it).
 */
export function firewallLabels(t: ResolvedTopology, leg: Leg, what: string, notes: Set<string>): FirewallLabels {
  const dest = t.nodes.get(leg.to)!;
  let blockedBy: string | null = null;
  const exempt: string[] = [];
  const signatures: Signature[] = [];
  let dpiBy: string | null = null;
  let late: FirewallLabels["lateVerdict"] = null;
  let unknownAllow = false;
  for (const [i, hop] of leg.hops.entries()) {
    if (hop.kind !== "nat-router") continue;
    const f = nodeSpec<NatRouterSpec>(t, hop.node).firewall;
    if (!f || !isActive(f)) continue;
    if (hop.sees === "outer") {
      tunnelFirewallNotes(t, leg, i, f, notes);
      continue;
    }
    const source = t.nodes.get(sourceAt(t, leg, i))!;
    const allowed = f.allow.filter((e) => entryCovers(t, e, dest) === "yes" || entryCovers(t, e, source) === "yes");
    for (const e of f.allow)
      if (entryCovers(t, e, dest) === "unknown") {
        unknownAllow = true;
        notes.add(`${hop.node}'s allowlist entry ${e}: whether it holds ${dest.name} depends on the subnet the lab allocates; its answers are left unscored`);
      }
    if (f.udp === "block") {
      if (!exempt.includes("DNS (UDP port 53)")) exempt.push("DNS (UDP port 53)");
      for (const e of f.allow)
        exempt.push(`${hop.node} allowlist: ${e}${allowed.includes(e) ? (entryCovers(t, e, dest) === "yes" ? ` (${what})` : " (the seat's side)") : ""}`);
      if (allowed.length > 0) notes.add(`${hop.node} blocks UDP, but its allowlist (${allowed.join(", ")}) exempts ${what}`);
      else if (blockedBy === null) blockedBy = hop.node;
      else notes.add(`${hop.node} blocks UDP too (behind ${blockedBy})`);
    }
    if (allowed.length > 0) continue;
    const fresh = f.block.filter((s) => !signatures.includes(s));
    if (fresh.length > 0) {
      if (dpiBy === null) dpiBy = hop.node;
      else notes.add(`${hop.node} drops ${fresh.join(", ")} on sight too (dpi.by names the first firewall, ${dpiBy})`);
      signatures.push(...fresh);
    }
    if (f.lateBlock && late === null) late = { node: hop.node, ...f.lateBlock, signatures: [...f.lateBlock.signatures] };
  }
  if (signatures.includes("rfc4571-tcp") && !signatures.includes("stun-tcp"))
    notes.add("rfc4571-tcp looks for the STUN cookie at TCP payload byte 6 (ICE-TCP framing); TURN over TCP has it at byte 4, so it passes");
  const hiddenLate = late !== null && blockedBy !== null && late.signatures.every((s) => s.endsWith("-udp"));
  if (late && hiddenLate)
    notes.add(`the late verdict on ${late.node} classifies only UDP, which ${blockedBy} already blocks: a probe cannot see it act (lateVerdict unscored)`);
  // `ct original packets` counts the SYN and the ACK: a late verdict after at most 2 packets drops the
  // first STUN segment of a TURN/TCP connection, which is then blocked as surely as on sight.
  const lateTcp = late?.signatures.includes("stun-tcp") === true && late.afterPackets !== undefined && late.afterPackets <= 2;
  if (lateTcp) notes.add(`${late!.node}'s late verdict on stun-tcp after ${late!.afterPackets} packets kills TURN/TCP at its first STUN segment`);
  return {
    udpBlocked: { blocked: blockedBy !== null, by: blockedBy, exempt },
    dpi: { signatures, by: dpiBy },
    // TURN over TCP starts its stream with STUN (cookie at payload byte 4): exactly what stun-tcp matches.
    stunOverTcpBlocked: signatures.includes("stun-tcp") || lateTcp,
    lateVerdict: late,
    unsettled: [...(unknownAllow ? (["udpBlocked", "stunOverTcpBlocked", "lateVerdict"] as const) : []), ...(hiddenLate ? (["lateVerdict"] as const) : [])],
  };
}

/** What a firewall under a tunnel does to the tunnel itself: a blocked underlay means the lab cannot come up. */
function tunnelFirewallNotes(t: ResolvedTopology, leg: Leg, i: number, f: FirewallSpec, notes: Set<string>): void {
  const server = leg.hops.slice(i + 1).find((h) => h.role === "tunnel-server");
  if (!server) return;
  const hop = leg.hops[i]!;
  const proto = nodeSpec<ConcentratorSpec>(t, server.node).proto;
  if (f.allow.some((e) => entryCovers(t, e, t.nodes.get(server.node)!) === "yes")) return;
  if (f.udp === "block" && proto === "udp")
    notes.add(`${hop.node} blocks UDP, which carries the tunnel to ${server.node} (proto udp): such a lab cannot come up`);
  // OpenVPN's data packets (P_DATA_V2, opcode 9) start with 0x48–0x4F: ChannelData's range [inferred from the opcode layout].
  if (proto === "udp" && (f.block.includes("channeldata-udp") || f.lateBlock?.signatures.includes("channeldata-udp")))
    notes.add(
      `${hop.node}'s channeldata-udp signature also matches the tunnel's data packets (first byte 0x48–0x4F): the tunnel to ${server.node} comes up but carries nothing`,
    );
  if (f.block.length > 0 || f.lateBlock) notes.add(`${hop.node}'s DPI sees only the tunnel to ${server.node}, not the seat's traffic in it`);
}

/** The node a packet at hop `i` comes from: the last NAT before it, else the leg's origin. */
function sourceAt(t: ResolvedTopology, leg: Leg, i: number): string {
  for (let j = i - 1; j >= 0; j--) {
    const h = leg.hops[j]!;
    if (h.sees === leg.hops[i]!.sees && natOf(t, h)) return h.node;
  }
  return leg.from;
}

/**
 * The NAT a hop does to the packets it sees, if any. Linux masquerade (a VPN gateway's) keeps one mapping
 * per internal endpoint (endpoint-independent) and lets in only replies conntrack knows (address- and
 * port-dependent filtering).
 */
export function natOf(t: ResolvedTopology, hop: Hop): NatTruth | null {
  const node = t.nodes.get(hop.node)!;
  if (hop.kind === "nat-router") {
    const spec = node.spec as NatRouterSpec;
    if (hop.out !== spec.wan) return null;
    return { node: hop.node, ...NAT_PRESETS[spec.nat], udpTimeoutSec: spec.udpTimeout ?? DEFAULT_UDP_TIMEOUT_SEC, what: spec.nat };
  }
  if (hop.kind !== "vpn-gateway") return null;
  const spec = node.spec as VpnGatewaySpec;
  const masquerade = (what: string, timeout: number | undefined): NatTruth => ({
    node: hop.node,
    mapping: "endpoint-independent",
    filtering: "address-and-port-dependent",
    udpTimeoutSec: timeout ?? DEFAULT_UDP_TIMEOUT_SEC,
    what,
  });
  if (spec.role === "concentrator") return hop.role === "tunnel-server" ? masquerade("masquerade of its tunnel subnet", spec.natTimeout) : null;
  if (hop.role === "tunnel-client") return masquerade("masquerade into its tunnel", undefined);
  return hop.in === spec.lan && hop.out === spec.wan ? masquerade("masquerade onto its WAN (outside the split tunnel)", undefined) : null;
}

export function nodeSpec<S>(t: ResolvedTopology, name: string): S {
  return (t.nodes.get(name) as ResolvedNode<S>).spec;
}
