// Every Docker resource callpath creates carries these labels, so a sweep can find leftovers of crashed runs.
export const LAB_LABEL = "io.callpath.lab";
export const NODE_LABEL = "io.callpath.node";
export const NETWORK_LABEL = "io.callpath.network";
export const TOPOLOGY_LABEL = "io.callpath.topology";
/** Process that created the lab: a sweep may remove a lab only when that process is gone. */
export const OWNER_LABEL = "io.callpath.owner-pid";
export const IMAGE_LABEL = "io.callpath.image";
/** A lab a person keeps (`callpath up`): no orphan sweep removes it, only `callpath down` or `prune --all`. */
export const KEEP_LABEL = "io.callpath.keep";

export function labLabels(labId: string, topology: string, opts: { keep?: boolean } = {}): Record<string, string> {
  return { [LAB_LABEL]: labId, [TOPOLOGY_LABEL]: topology, [OWNER_LABEL]: String(process.pid), ...(opts.keep ? { [KEEP_LABEL]: "true" } : {}) };
}
