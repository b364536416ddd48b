/**
 * One nft table replaced while the lab runs: the old table out and the new one in, in one transaction
 * (`nft -f` applies a file whole or not at all), so no packet sees the node half changed. Adding the table
 * first makes the delete valid when there was none; `ruleset` null leaves none (an open firewall).
 * `ruleset` must declare `table <family> <name>` itself.
 */
export function tableSwap(family: "ip" | "ip6" | "inet", name: string, ruleset: string | null): string {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`nft table name ${JSON.stringify(name)}: letters, digits and _ only`);
  if (ruleset !== null && !new RegExp(`^\\s*table ${family} ${name}\\b`, "m").test(ruleset))
    throw new Error(`the new ruleset does not declare table ${family} ${name}`);
  return [`add table ${family} ${name}`, `delete table ${family} ${name}`, ...(ruleset === null ? [] : [ruleset])].join("\n");
}
