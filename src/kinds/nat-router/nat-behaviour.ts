// NAT as behaviour (RFC 4787 mapping × filtering) with the classic names as presets, and the nftables
// that builds it. Linux conntrack filters by the full 5-tuple of an established flow, so every preset
// here filters address-and-port-dependently; presets Linux cannot build faithfully are not offered.
export type Dependency = "endpoint-independent" | "address-dependent" | "address-and-port-dependent";

export interface NatBehaviour {
  readonly mapping: Dependency;
  readonly filtering: Dependency;
  /** The public port equals the private one when it is free. */
  readonly portPreservation: boolean;
}

export const NAT_PRESETS = {
  "port-restricted-cone": { mapping: "endpoint-independent", filtering: "address-and-port-dependent", portPreservation: true },
  symmetric: { mapping: "address-and-port-dependent", filtering: "address-and-port-dependent", portPreservation: false },
} as const satisfies Record<string, NatBehaviour>;

export type NatPreset = keyof typeof NAT_PRESETS;
export const NAT_PRESET_NAMES = Object.keys(NAT_PRESETS) as [NatPreset, ...NatPreset[]];

export interface NatRulesInput {
  readonly preset: NatPreset;
  readonly lanIf: string;
  readonly wanIf: string;
}

/** Our own table (never `flush ruleset`: Docker's embedded DNS keeps rules of its own in this namespace). */
export const NAT_TABLE = "callpath_nat";

/** The nftables ruleset for one router: pure, so it is unit tested without Docker. */
export function natRuleset({ preset, lanIf, wanIf }: NatRulesInput): string {
  const b = NAT_PRESETS[preset];
  // `masquerade` keeps one mapping per internal endpoint and preserves the port when it can
  // (endpoint-independent mapping); `random` draws a new port for every new 5-tuple (symmetric).
  const masq = b.mapping === "endpoint-independent" ? "masquerade" : "masquerade random";
  return [
    `table ip ${NAT_TABLE} {`,
    `  chain postrouting {`,
    `    type nat hook postrouting priority srcnat; policy accept;`,
    `    oifname "${wanIf}" ${masq}`,
    `  }`,
    // Unsolicited packets to the router itself are dropped before conntrack confirms an entry for them.
    // A confirmed entry would occupy the reply tuple of the mapping a LAN host is about to open towards
    // that same peer (ICE hole punching, early RTP), and masquerade would then pick another port.
    `  chain input {`,
    `    type filter hook input priority filter; policy accept;`,
    `    iifname "${wanIf}" ct state new drop`,
    `  }`,
    `  chain forward {`,
    `    type filter hook forward priority filter; policy drop;`,
    `    ct state established,related accept`,
    `    iifname "${lanIf}" oifname "${wanIf}" accept`,
    `  }`,
    `}`,
    "",
  ].join("\n");
}
