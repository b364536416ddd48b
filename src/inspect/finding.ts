import type { InspectPacket } from "./packets.js";

// What the inspector says of a capture: findings, each with the packets that show it, and causes drawn
// from them. Everything here is data, so the text report, the JSON and the topology skeleton read alike.

export type Family = "addresses" | "udp" | "turn" | "fragments" | "transactions" | "rtp";

/** One packet shown as evidence: where and when it was seen, between which addresses, and why it is shown. */
export interface Evidence {
  readonly frame: number;
  /** Seconds since the capture's first frame. */
  readonly time: number;
  /** The capture's interface name (`node:network` in callpath's captures), or null when it names none. */
  readonly iface: string | null;
  readonly transport: string;
  readonly from: string;
  readonly to: string;
  readonly note: string;
}

/** What the skeleton and the causes need of a finding, beyond its words. */
export type Facts =
  | {
      readonly kind: "alg";
      readonly profile: AlgProfile;
      readonly rewrote: readonly string[];
      readonly kept: readonly string[];
      readonly bothSides: boolean;
      /** The box's public address, which the rewritten headers name. */
      readonly publicAddress: string;
    }
  | { readonly kind: "alg-present"; readonly privateAddress: string }
  | { readonly kind: "behind-nat"; readonly privateAddress: string; readonly publicAddress: string | null }
  | { readonly kind: "sdp-private-on-public-side"; readonly address: string }
  | {
      readonly kind: "udp-unanswered";
      readonly client: string;
      readonly sip: number;
      readonly stun: number;
      readonly streamOk: readonly string[];
      readonly udpAnswered: number;
      readonly iceChecks: number;
      /** Nodes the requests went into and never left (named captures). */
      readonly droppedIn: readonly string[];
    }
  | {
      readonly kind: "turn";
      readonly client: string;
      readonly transport: "udp" | "tcp" | "tls";
      readonly server: string;
      readonly outcome: "success" | "error" | "no-answer";
      readonly error: number | null;
    }
  | {
      readonly kind: "turn-media";
      readonly client: string;
      readonly transport: "udp" | "tcp" | "tls";
      readonly channelData: number;
      readonly indications: number;
    }
  | {
      readonly kind: "fragments";
      readonly datagrams: number;
      readonly largestDatagram: number;
      readonly sipRequests: readonly string[];
      readonly tunnel: "openvpn" | "wireguard" | null;
    }
  | { readonly kind: "frag-needed"; readonly mtu: number | null }
  | {
      readonly kind: "sip-timeout";
      readonly from: string;
      readonly to: string;
      readonly callId: string;
      readonly method: string;
      readonly transport: string;
      readonly ending: "nothing" | "408" | "provisional-only";
      readonly fragmented: boolean;
      readonly size: number;
      readonly transaction: string;
    }
  | {
      readonly kind: "one-way";
      readonly from: string;
      readonly to: string;
      readonly toPrivate: boolean;
      /** The positive control: other packets reaching the sender were captured, so the capture saw that direction at all. */
      readonly inboundSeen: number;
    }
  | { readonly kind: "rtp-stops"; readonly afterSeconds: number; readonly transport: "udp" }
  | { readonly kind: "tunnel"; readonly protocol: "openvpn" | "wireguard"; readonly transport: "udp" | "tcp" }
  | { readonly kind: "none" };

/** The faulty ALG behaviours callpath can build (README "SIP ALG"), or one the evidence does not pin down. */
export type AlgProfile = "headers-not-sdp" | "netfilter" | "wrong-contact-port" | "content-length-unfixed" | "unknown";

export interface Finding {
  readonly family: Family;
  /** Stable, for machines: `alg-rewrite`, `udp-unanswered`, … */
  readonly id: string;
  /** A symptom is what went wrong; context is what the network is (behind a NAT, a VPN, TURN in use). */
  readonly severity: "problem" | "context";
  readonly title: string;
  readonly detail: string;
  readonly evidence: readonly Evidence[];
  readonly facts: Facts;
}

/** How the capture was taken, for wording: named interfaces (callpath's own) or an anonymous capture. */
export interface CaptureInfo {
  readonly start: number;
  readonly end: number;
  readonly frames: number;
  /** Interface names the capture carries (callpath's are `node:network`). */
  readonly interfaces: readonly string[];
  /** Whether the interfaces are named `node:network`: several vantage points of one lab. */
  readonly named: boolean;
}

export const NODE_NETWORK = /^[a-z0-9][a-z0-9-]*:[a-z0-9][a-z0-9-]*$/;

export function captureInfo(packets: readonly InspectPacket[]): CaptureInfo {
  const interfaces = [...new Set(packets.map((p) => p.iface).filter((i) => i !== "?"))].sort();
  return {
    start: packets.length > 0 ? packets.reduce((m, p) => Math.min(m, p.time), Number.POSITIVE_INFINITY) : 0,
    end: packets.reduce((m, p) => Math.max(m, p.time), 0),
    frames: packets.length,
    interfaces,
    named: interfaces.length > 0 && interfaces.every((i) => NODE_NETWORK.test(i)),
  };
}

/** Adds `value` to the list under `key` (made on first use). */
export function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function endpoint(address: string, port: number | null): string {
  return port === null ? address : `${address}:${port}`;
}

export function transportOf(p: InspectPacket): string {
  if (p.protocols.includes("tls")) return "tls";
  return p.transport;
}

/** A packet as evidence, with why it is shown. */
export function evidence(p: InspectPacket, start: number, note: string): Evidence {
  return {
    frame: p.no,
    time: Math.max(0, p.time - start),
    iface: p.iface === "?" ? null : p.iface,
    transport: transportOf(p),
    // An ICMP error's ports are those of the packet it quotes, not its own.
    from: p.transport === "icmp" ? p.src : endpoint(p.src, p.sport),
    to: p.transport === "icmp" ? p.dst : endpoint(p.dst, p.dport),
    note,
  };
}

/** "3 INVITEs", "1 REGISTER". */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

export function seconds(s: number): string {
  return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
}

/** The interfaces that saw a set of packets, in the order first seen (callpath's captures: where a message went). */
export function seenAt(packets: readonly InspectPacket[]): string[] {
  const out: string[] = [];
  for (const p of [...packets].sort((a, b) => a.time - b.time || a.no - b.no)) if (p.iface !== "?" && !out.includes(p.iface)) out.push(p.iface);
  return out;
}

export interface Stop {
  readonly node: string;
  /** In words: where it went in, where it did not come out. */
  readonly text: string;
  /** A tunnel packet left the node's other interface as it went in: it went on, encrypted, not dropped. */
  readonly tunnelled: boolean;
}

/** How long a box takes to pass a packet on (the userspace ALG and impairment engine included). */
const PASS_ON_S = 0.05;

/**
 * Where a message stopped, in a capture with node:network interfaces: the nodes it entered on one
 * interface and never left on another (`nat1`, seen on nat1:lan1 and never on nat1:internet). A VPN
 * gateway's tunnel is not captured inside: when tunnel packets left its other interface at that moment,
 * the message went into the tunnel.
 */
export function stoppedIn(copies: readonly InspectPacket[], info: CaptureInfo, packets: readonly InspectPacket[]): Stop[] {
  if (!info.named) return [];
  const seen = seenAt(copies);
  const nodes = new Map<string, string[]>();
  for (const i of info.interfaces) pushTo(nodes, i.split(":")[0]!, i);
  const out: Stop[] = [];
  for (const [node, ifaces] of nodes) {
    if (ifaces.length < 2) continue;
    const saw = ifaces.filter((i) => seen.includes(i));
    if (saw.length !== 1) continue;
    const others = ifaces.filter((i) => i !== saw[0]);
    const times = copies.filter((c) => c.iface === saw[0]).map((c) => c.time);
    const tunnel = packets.find(
      (p) =>
        others.includes(p.iface) &&
        (p.protocols.includes("openvpn") || p.protocols.includes("wg")) &&
        times.some((t) => p.time >= t && p.time - t <= PASS_ON_S),
    );
    out.push({
      node,
      tunnelled: tunnel !== undefined,
      text: tunnel
        ? `${node}'s tunnel (in on ${saw[0]}; a tunnel packet left ${tunnel.iface} at that moment, frame ${tunnel.no}: what happened to it further on is inside the tunnel)`
        : `${node} (in on ${saw[0]}, never out on ${others.join(" or ")})`,
    });
  }
  return out;
}
