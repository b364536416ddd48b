// NAT as behaviour (RFC 4787 mapping × filtering) with the classic names as presets, and the nftables
// that builds it. Conntrack alone filters by the full 5-tuple (address-and-port-dependent); the looser
// filters are built from dynamic maps the router fills from its own outbound traffic, keyed by the
// public port it really mapped (read after SNAT), so they stay right even when a port is not preserved.
export type Dependency = "endpoint-independent" | "address-dependent" | "address-and-port-dependent";

export interface NatBehaviour {
  readonly mapping: Dependency;
  readonly filtering: Dependency;
}

export const NAT_PRESETS = {
  "full-cone": { mapping: "endpoint-independent", filtering: "endpoint-independent" },
  "restricted-cone": { mapping: "endpoint-independent", filtering: "address-dependent" },
  "port-restricted-cone": { mapping: "endpoint-independent", filtering: "address-and-port-dependent" },
  symmetric: { mapping: "address-and-port-dependent", filtering: "address-and-port-dependent" },
} as const satisfies Record<string, NatBehaviour>;

export type NatPreset = keyof typeof NAT_PRESETS;
export const NAT_PRESET_NAMES = Object.keys(NAT_PRESETS) as [NatPreset, ...NatPreset[]];

export interface NatRulesInput {
  readonly preset: NatPreset;
  readonly lanIf: string;
  readonly wanIf: string;
  /** Seconds an idle cone mapping stays open to inbound packets (the router's UDP timeout). */
  readonly mappingTimeoutSec?: number;
  /** Clamp the MSS of forwarded TCP connections (as PPPoE and VPN routers do): large messages span segments. */
  readonly tcpMss?: number;
}

/** Linux's UDP "stream" timeout: how long a mapping with traffic both ways lives by default. */
export const DEFAULT_UDP_TIMEOUT_SEC = 120;

/** Our own table (never `flush ruleset`: Docker's embedded DNS keeps rules of its own in this namespace). */
export const NAT_TABLE = "callpath_nat";

/** The nftables ruleset for one router: pure, so it is unit tested without Docker. */
export function natRuleset({ preset, lanIf, wanIf, mappingTimeoutSec = DEFAULT_UDP_TIMEOUT_SEC, tcpMss }: NatRulesInput): string {
  const b = NAT_PRESETS[preset];
  const cone = coneRules(b.filtering, wanIf, lanIf, mappingTimeoutSec);
  // `masquerade` keeps one mapping per internal endpoint and preserves the port when it can
  // (endpoint-independent mapping); `random` draws a new port for every new 5-tuple (symmetric).
  const masq = b.mapping === "endpoint-independent" ? "masquerade" : "masquerade random";
  return [
    `table ip ${NAT_TABLE} {`,
    `  chain postrouting {`,
    `    type nat hook postrouting priority srcnat; policy accept;`,
    `    oifname "${wanIf}" ${masq}`,
    `  }`,
    ...cone.tables,
    // Unsolicited packets to the router itself are dropped before conntrack confirms an entry for them.
    // A confirmed entry would occupy the reply tuple of the mapping a LAN host is about to open towards
    // that same peer (ICE hole punching, early RTP), and masquerade would then pick another port.
    `  chain input {`,
    `    type filter hook input priority filter; policy accept;`,
    `    iifname "${wanIf}" ct state new drop`,
    `  }`,
    `  chain forward {`,
    `    type filter hook forward priority filter; policy drop;`,
    ...(tcpMss ? [`    tcp flags syn tcp option maxseg size set ${tcpMss}`] : []),
    `    ct state established,related accept`,
    `    iifname "${lanIf}" oifname "${wanIf}" accept`,
    ...cone.forward,
    `  }`,
    `}`,
    "",
  ].join("\n");
}

/**
 * Endpoint-independent or address-dependent filtering for UDP: every mapping the router makes is recorded
 * (public port, and for address-dependent the remote address, → the private endpoint), and a new inbound
 * packet that matches one is sent to it. Everything else stays with conntrack (port-restricted).
 */
function coneRules(filtering: Dependency, wanIf: string, lanIf: string, timeoutSec: number): { tables: string[]; forward: string[] } {
  if (filtering === "address-and-port-dependent") return { tables: [], forward: [] };
  const key =
    filtering === "endpoint-independent"
      ? { type: "inet_service", out: "udp sport", in: "udp dport" }
      : { type: "inet_service . ipv4_addr", out: "udp sport . ip daddr", in: "udp dport . ip saddr" };
  return {
    tables: [
      `  map cone {`,
      `    type ${key.type} : ipv4_addr . inet_service; flags dynamic, timeout; timeout ${timeoutSec}s;`,
      `  }`,
      // After SNAT, so the key holds the public port the mapping really got.
      `  chain record_mapping {`,
      `    type filter hook postrouting priority srcnat + 1; policy accept;`,
      `    oifname "${wanIf}" meta l4proto udp update @cone { ${key.out} timeout ${timeoutSec}s : ct original ip saddr . ct original proto-src }`,
      `  }`,
      `  chain inbound_mapping {`,
      `    type nat hook prerouting priority dstnat; policy accept;`,
      `    iifname "${wanIf}" meta l4proto udp dnat ip to ${key.in} map @cone`,
      `  }`,
    ],
    forward: [`    iifname "${wanIf}" oifname "${lanIf}" ct status dnat accept`],
  };
}

/**
 * What a router loses when it reboots or its NAT state is cleared: every conntrack entry (so every
 * mapping) and the cone map that lets inbound packets back in. The rules stay. The next packet out opens a
 * new mapping, on the same port where the NAT preserves ports, on a fresh one where it does not (symmetric).
 */
export function forgetMappingsCommands(preset: NatPreset): string[][] {
  const cone = NAT_PRESETS[preset].filtering !== "address-and-port-dependent";
  return [["conntrack", "-F"], ...(cone ? [["nft", "flush", "map", "ip", NAT_TABLE, "cone"]] : [])];
}
