import { LabError } from "../common/errors.js";
import type { NodeRuntime } from "../kinds/kind.js";
import type { KindRegistry } from "../kinds/registry.js";
import { ImpairmentSchema, type Impairment } from "../impair/model.js";
import { zodIssues } from "../topology/load.js";
import { topologyErrorMap } from "../topology/zod-messages.js";

/** A lab's node as the impairment checks see it (a started lab's and an attached lab's alike). */
export interface ImpairableNode {
  readonly runtime: NodeRuntime;
  readonly kind: string;
}

/**
 * Checks that `node` can carry impairments on `network` and validates `rules` as the topology's `impair:`
 * takes them; every refusal names the valid choices. Returns the node's runtime and the parsed rules.
 */
export function checkImpairment(
  topology: string,
  nodes: ReadonlyMap<string, ImpairableNode>,
  kinds: KindRegistry,
  node: string,
  network: string,
  rules: readonly unknown[],
): { runtime: NodeRuntime; rules: Impairment[] } {
  const runtime = impairableNode(topology, nodes, kinds, node);
  const joins = [...new Set(runtime.node.interfaces.map((i) => i.network))];
  if (!joins.includes(network)) throw new LabError(`"${node}" is not on network "${network}"; it joins: ${joins.join(", ")}`);
  const parsed: Impairment[] = rules.map((r, i) => {
    const p = ImpairmentSchema.safeParse(r, { error: topologyErrorMap });
    if (!p.success)
      throw new LabError(
        `impairment on ${node} ${network}: ${zodIssues(p.error, `[${i}]`)
          .map((x) => `${x.path}: ${x.message}`)
          .join("; ")}`,
      );
    return p.data;
  });
  return { runtime, rules: parsed };
}

/** The runtime of `node` if its kind can carry impairments; otherwise an error naming the nodes that can. */
export function impairableNode(topology: string, nodes: ReadonlyMap<string, ImpairableNode>, kinds: KindRegistry, node: string): NodeRuntime {
  const n = nodes.get(node);
  if (!n) throw new LabError(`no node "${node}" in topology "${topology}"; nodes: ${[...nodes.keys()].join(", ")}`);
  if (!kinds.get(n.kind).impairable)
    throw new LabError(`"${node}" is a ${n.kind}, which cannot carry impairments; nodes that can: ${impairableNames(nodes, kinds)}`);
  return n.runtime;
}

/** The names of the nodes that can carry impairments, in declaration order. */
export function impairableNames(nodes: ReadonlyMap<string, ImpairableNode>, kinds: KindRegistry): string {
  return (
    [...nodes.values()]
      .filter((x) => kinds.get(x.kind).impairable)
      .map((x) => x.runtime.name)
      .join(", ") || "(none)"
  );
}
