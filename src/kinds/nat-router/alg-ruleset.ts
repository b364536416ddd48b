// The nftables that put a SIP ALG into a router: the kernel helper attached explicitly (automatic
// assignment is off since Linux 4.7), or SIP leaving by the WAN queued to the userspace ALG after SNAT.

export const ALG_TABLE = "callpath_alg";
export const ALG_QUEUE = 0;

export interface HelperRulesInput {
  readonly lanIf: string;
  readonly ports: readonly number[];
  readonly protocols: readonly ("udp" | "tcp")[];
}

export function helperRuleset({ lanIf, ports, protocols }: HelperRulesInput): string {
  const set = `{ ${ports.join(", ")} }`;
  return [
    `table ip ${ALG_TABLE} {`,
    ...protocols.map((p) => `  ct helper sip-${p} { type "sip" protocol ${p}; l3proto ip; }`),
    `  chain prerouting {`,
    // After conntrack has made the flow's entry and before it is confirmed: a helper binds only then.
    `    type filter hook prerouting priority filter; policy accept;`,
    ...protocols.map((p) => `    iifname "${lanIf}" ${p} dport ${set} ct helper set "sip-${p}"`),
    `  }`,
    `}`,
    "",
  ].join("\n");
}

export interface QueueRulesInput {
  readonly wanIf: string;
  readonly ports: readonly number[];
}

/** The chain holding the queue verdict, made by iptables-nft in its own `ip mangle` table. */
export const QUEUE_CHAIN = "CALLPATH_ALG";

/**
 * Queues SIP leaving by the WAN after SNAT (srcnat + 1), so the ALG sees the public source address and port
 * it must write. The verdict is the xtables NFQUEUE target: kernels built without nft's own `queue`
 * expression (CONFIG_NFT_QUEUE, as on these machines) still have it through nft_compat. nft cannot write an
 * xtables target, iptables-nft cannot make a base chain at that priority: each does its half.
 */
export function queueScript({ wanIf, ports }: QueueRulesInput): string {
  return [
    `iptables-nft -t mangle -N ${QUEUE_CHAIN}`,
    `iptables-nft -t mangle -A ${QUEUE_CHAIN} -j NFQUEUE --queue-num ${ALG_QUEUE}`,
    `nft add chain ip mangle callpath_alg_post '{ type filter hook postrouting priority srcnat + 1; policy accept; }'`,
    `nft add rule ip mangle callpath_alg_post oifname "${wanIf}" udp dport '{ ${ports.join(", ")} }' jump ${QUEUE_CHAIN}`,
    // Answers and requests coming back, after DNAT (dstnat + 1): the ALG undoes its Via and Request-URI
    // rewrites there, as every ALG must or the phone discards its own responses (RFC 3261 §18.1.2).
    `nft add chain ip mangle callpath_alg_pre '{ type filter hook prerouting priority dstnat + 1; policy accept; }'`,
    `nft add rule ip mangle callpath_alg_pre iifname "${wanIf}" udp sport '{ ${ports.join(", ")} }' jump ${QUEUE_CHAIN}`,
  ].join("\n");
}

/** Undoes queueScript: the nft chains that jump first, then the iptables-nft chain they jump to. */
export function queueRemovalScript(): string {
  return [
    // A chain that still holds rules cannot be deleted.
    "nft flush chain ip mangle callpath_alg_post",
    "nft delete chain ip mangle callpath_alg_post",
    "nft flush chain ip mangle callpath_alg_pre",
    "nft delete chain ip mangle callpath_alg_pre",
    `iptables-nft -t mangle -F ${QUEUE_CHAIN}`,
    `iptables-nft -t mangle -X ${QUEUE_CHAIN}`,
  ].join("\n");
}
