import type { Signature } from "../kinds/nat-router/firewall.js";
import type { Dependency } from "../kinds/nat-router/nat-behaviour.js";
import type { Answer, QuestionId } from "./questions.js";

// The ground truth of one seat in one topology: what the network between an agent and its provider really
// does, derived from the topology (truth.ts) and never labelled by hand.

/** A box on the seat's path and what it does there. */
export interface PathHop {
  readonly node: string;
  readonly kind: string;
  /** "inner": the hop sees the seat's own packets; "outer": only the VPN tunnel that carries them. */
  readonly sees: "inner" | "outer";
  /** The network the packet arrives on and the one it leaves by (a tunnel client: its underlay's). */
  readonly in: string;
  readonly out: string;
  /** "tunnel-client": puts the packet into a tunnel; "tunnel-server": the concentrator, where it comes out. */
  readonly role: "router" | "tunnel-client" | "tunnel-server";
}

export interface AlgTruth {
  readonly node: string;
  /** "netfilter": the kernel helper; "userspace": a faulty-ALG profile (its name in `profile`). */
  readonly alg: "netfilter" | "userspace";
  readonly profile?: string;
  /**
   * Transports and ports of the seat's own SIP it rewrites: its sip.transport and server port, when the
   * ALG is attached to them. Empty when the seat's SIP passes it untouched (TLS and WSS are encrypted,
   * WebSocket frames are masked, 5080 is not a port it watches): the ALG is still listed, since a probe
   * over UDP or TCP to 5060 meets it (`actsOn`, and the sipAlgUdp/sipAlgTcp answers).
   */
  readonly transports: readonly ("udp" | "tcp")[];
  readonly ports: readonly number[];
  /** Transports on which it really rewrites a probe to 5060 from the seat (none behind a NAT that did not rewrite first). */
  readonly probe5060: readonly ("udp" | "tcp")[];
  /** The plaintext SIP it is attached to on this path: transports and destination ports. */
  readonly actsOn: { readonly transports: readonly ("udp" | "tcp")[]; readonly ports: readonly number[] };
}

export interface NatTruth {
  readonly node: string;
  readonly mapping: Dependency;
  readonly filtering: Dependency;
  /** Seconds an idle UDP mapping lives. */
  readonly udpTimeoutSec: number;
  /** How it NATs: a nat-router's preset, or the Linux masquerade of a VPN gateway. */
  readonly what: string;
}

export interface VpnTruth {
  /** A split tunnel that carries neither server is still the seat's VPN (vpnMode split, vpn no). */
  readonly mode: "full" | "split";
  /** "seat": an OpenVPN client on the seat's own host (a tun0 it can see); "site": a gateway on its LAN. */
  readonly where: "seat" | "site";
  readonly client: string;
  readonly concentrator: string;
  readonly proto: "udp" | "tcp";
  /** tun-mtu, the concentrator's (its clients follow it). */
  readonly mtu: number;
  readonly sipServerInside: boolean;
  readonly turnServerInside: boolean;
}

export interface ImpairmentTruth {
  /** Added one-way delay (ms) on the way to the TURN server, and on the way back. */
  readonly delayMs: { readonly out: number; readonly back: number };
  readonly jitterMs: { readonly out: number; readonly back: number };
  /** Chance (%) a packet is lost on the way, each way (random loss; Gilbert-Elliott as its mean), 1 − Π(1 − p). */
  readonly lossPercent: { readonly out: number; readonly back: number };
  /**
   * Every entry on the path, "out: node:network egress: what"; an entry with a `match` is listed
   * "(matched: …; not summed)" and left out of the sums, since whether it applies depends on the traffic.
   */
  readonly links: readonly string[];
}

/**
 * The labels about media (udpBlocked, dpi, stunOverTcpBlocked, lateVerdict, nat, pathMtu, impairments) are
 * towards the TURN server; a seat without one gets them towards its SIP server, and no answers for them.
 */
export interface Truth {
  readonly topology: string;
  readonly seat: string;
  readonly sipServer: string;
  /** ice.server, else the topology's only turn-server, else null. */
  readonly turnServer: string | null;
  /** Hops towards the SIP server and towards the TURN server (none without one), seat first, destination excluded. */
  readonly path: { readonly sip: readonly PathHop[]; readonly turn: readonly PathHop[] };
  readonly sipAlg: readonly AlgTruth[];
  /**
   * UDP to the TURN server dropped by a firewall's `udp: block`; `by` is the first such firewall, null when
   * nothing drops it (no block, or the allowlist names the TURN server). `exempt`: what the blocking
   * firewalls on the path let through ("DNS (UDP port 53)", "nat1 allowlist: turn (the TURN server)").
   */
  readonly udpBlocked: { readonly blocked: boolean; readonly by: string | null; readonly exempt: readonly string[] };
  /** DPI signatures that drop the seat's traffic on sight towards the TURN server (not allowlisted). */
  readonly dpi: { readonly signatures: readonly Signature[]; readonly by: string | null };
  /** `stun-tcp` among `dpi.signatures`: TURN over TCP opens its stream with STUN, cookie at payload byte 4. */
  readonly stunOverTcpBlocked: boolean;
  /** The first firewall on the path that kills classified flows late (not allowlisted), whatever its signatures. */
  readonly lateVerdict: {
    readonly node: string;
    readonly signatures: readonly Signature[];
    readonly afterPackets?: number;
    readonly afterSeconds?: number;
  } | null;
  readonly vpn: VpnTruth | null;
  readonly nat: {
    /**
     * NATs the seat's packets to the TURN server cross (a VPN concentrator and site gateway count; a NAT
     * that carries only the tunnel does not: it maps the tunnel's one flow, not the seat's).
     */
    readonly count: number;
    readonly chain: readonly NatTruth[];
    /** The NAT nearest the TURN server: the last of the chain. */
    readonly outermost: NatTruth | null;
    /** The chain taken together: each the most dependent of its members. */
    readonly effective: { readonly mapping: Dependency; readonly filtering: Dependency } | null;
  };
  /** Towards the TURN server: 1500 (Docker's link MTU), or the tunnel's, or what fits one underlay packet. */
  readonly pathMtu: number;
  readonly impairments: ImpairmentTruth;
  /** What the truth answers to each question; a question the topology cannot answer (no TURN server) is absent. */
  readonly answers: Partial<Record<QuestionId, Answer>>;
  /** Things the derivation noticed that make a label weaker (a tunnel a firewall blocks, a mirror on another path). */
  readonly notes: readonly string[];
}
