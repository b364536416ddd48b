import { LabError } from "../common/errors.js";
import type { KindRegistry } from "../kinds/registry.js";
import type { ResolvedNode, ResolvedTopology } from "../topology/types.js";

/** The nodes `node` needs ready before it starts: the ones it references (servers, gateways, concentrators). */
export function dependenciesOf(node: ResolvedNode, kinds: KindRegistry): string[] {
  const refs = kinds.get(node.kind).references?.(node.spec as never) ?? [];
  return [...new Set([...refs.map((r) => r.node), ...(node.gateway ? [node.gateway] : [])])].filter((d) => d !== node.name);
}

/**
 * Start stages from the topology's references: each wave's nodes depend only on earlier waves. A cycle
 * (validation rejects gateway loops, so only a kind's own references could make one) is an error.
 */
export function startWaves(topo: ResolvedTopology, kinds: KindRegistry): string[][] {
  const remaining = new Map([...topo.nodes.values()].map((n) => [n.name, new Set(dependenciesOf(n, kinds).filter((d) => topo.nodes.has(d)))]));
  const waves: string[][] = [];
  while (remaining.size > 0) {
    const wave = [...remaining].filter(([, deps]) => deps.size === 0).map(([name]) => name);
    if (wave.length === 0) throw new LabError(`the nodes ${[...remaining.keys()].join(", ")} wait for each other in a cycle; no start order exists`);
    for (const name of wave) remaining.delete(name);
    for (const deps of remaining.values()) for (const name of wave) deps.delete(name);
    waves.push(wave);
  }
  return waves;
}

/** Waits for every promise; then throws the first failure (all of them when several failed). */
export async function settleAll(promises: ReadonlyArray<Promise<unknown>>): Promise<void> {
  const results = await Promise.allSettled(promises);
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => r.reason as unknown);
  // Nodes not started because another failed add nothing: report the causes.
  const causes = failures.filter((e) => !(e instanceof LabError && /not started, another node failed/.test(e.message)));
  const shown = causes.length > 0 ? causes : failures;
  if (shown.length === 1) throw shown[0];
  if (shown.length > 1) throw new AggregateError(shown, shown.map((e) => (e instanceof Error ? e.message : String(e))).join("\n"));
}
