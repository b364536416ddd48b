import type { Direction } from "./model.js";
import { DUP_MARK } from "./engine-service.js";

// The netfilter hooks that send a link end's packets to its queue in the userspace engine: shell lines
// (the interface is named through "$IF", found in the node), made and read by pure functions.

export const hex = (n: number): string => `0x${n.toString(16).padStart(8, "0")}`;

const chainOf = (queue: number): string => `CALLPATH_IMP_${queue}`;
const baseOf = (direction: Direction): string => (direction === "egress" ? "callpath_imp_out" : "callpath_imp_in");

/**
 * Egress is queued after NAT (postrouting, priority 300), as a link would carry it; ingress before
 * conntrack (prerouting, priority −300), as it came off the wire. The verdict is the xtables NFQUEUE
 * target in an iptables-nft chain (this kernel has no nft `queue`), which the nft base chain jumps to.
 */
export function queueRules(direction: Direction, queue: number): string[] {
  const chain = chainOf(queue);
  const base = baseOf(direction);
  const hook = direction === "egress" ? "postrouting priority 300" : "prerouting priority -300";
  const dev = direction === "egress" ? "oifname" : "iifname";
  return [
    `iptables-nft -t mangle -N ${chain}`,
    `iptables-nft -t mangle -A ${chain} -j NFQUEUE --queue-num ${queue}`,
    `nft add chain ip mangle ${base} '{ type filter hook ${hook}; }'`,
    `nft add rule ip mangle ${base} ${dev} "$IF" meta mark != ${hex(DUP_MARK)} jump ${chain}`,
  ];
}

/**
 * Undoes queueRules: the jump goes (found by its handle), then the chain. Packets no longer reach the
 * engine at all, so a cleared end is the plain link again, whatever becomes of the engine.
 */
export function unqueueRules(direction: Direction, queue: number): string[] {
  const chain = chainOf(queue);
  const base = baseOf(direction);
  return [
    `for h in $(nft -a list chain ip mangle ${base} 2>/dev/null | sed -n 's/.* jump ${chain} # handle \\([0-9][0-9]*\\)$/\\1/p'); do nft delete rule ip mangle ${base} handle "$h"; done`,
    `iptables-nft -t mangle -F ${chain} 2>/dev/null || true`,
    `iptables-nft -t mangle -X ${chain} 2>/dev/null || true`,
  ];
}

/** Lists the hooks in force (empty when the table does not exist): parse it with hookedQueues. */
export const LIST_HOOKS = "nft list table ip mangle 2>/dev/null || true";

/** Queues a node's hooks send packets to, from `nft list table ip mangle`. */
export function hookedQueues(listing: string): number[] {
  return [...new Set([...listing.matchAll(/\bjump CALLPATH_IMP_(\d+)\b/g)].map((m) => Number(m[1])))].sort((a, b) => a - b);
}
