/**
 * A shell line that sets `$<variable>` to the interface holding `ip`, or fails naming the address.
 * Interface names inside a container are not in attach order; addresses are what the lab knows.
 */
export function interfaceLookup(variable: string, ip: string): string {
  return `${variable}=$(ip -o -4 addr show to ${ip}/32 | sed -n 's/^[0-9]*: *\\([^ @]*\\).*/\\1/p'); [ -n "$${variable}" ] || { echo "no interface holds ${ip}" >&2; exit 1; }`;
}

const NFT_END = "CALLPATH_NFT";

/**
 * Shell lines that load an nft ruleset from a quoted heredoc: nothing in the ruleset expands (no `$(…)`,
 * no backquotes), whatever it holds. The interface variables set by interfaceLookup (`$LAN_IF`) are the
 * one thing put in, by sed, from the shell's own variables: their values are interface names from `ip`.
 */
export function nftLoad(ruleset: string, variables: readonly string[] = [], nft = "nft -f -"): string {
  if (ruleset.split("\n").some((l) => l.trim() === NFT_END)) throw new Error(`an nft ruleset may not hold the line ${NFT_END}`);
  for (const v of variables) if (!/^[A-Z][A-Z0-9_]*$/.test(v)) throw new Error(`not a shell variable name: ${v}`);
  const sed = variables.map((v) => `-e "s/[\\$]${v}/$${v}/g"`).join(" ");
  return [`${variables.length > 0 ? `sed ${sed} <<'${NFT_END}' | ${nft}` : `${nft} <<'${NFT_END}'`}`, ruleset, NFT_END].join("\n");
}

/**
 * Shell lines that set the MTU of a node's own interfaces (its link ends), `mtu` by network name. Each
 * interface is found by the node's primary address on that network.
 */
export function linkMtuLines(mtu: Readonly<Record<string, number>>, primaryOn: (network: string) => string | undefined): string[] {
  return Object.entries(mtu).flatMap(([network, value]) => {
    const ip = primaryOn(network);
    if (!ip) throw new Error(`no address on network "${network}" to find the interface by`);
    if (!Number.isInteger(value) || value < 576 || value > 9000) throw new Error(`MTU ${value} on "${network}" is not an integer from 576 to 9000`);
    return [interfaceLookup("IF", ip), `ip link set dev "$IF" mtu ${value}`];
  });
}
