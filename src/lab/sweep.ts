import type Docker from "dockerode";
import { removeLabNetwork } from "./remove-network.js";
import { KEEP_LABEL, LAB_LABEL, OWNER_LABEL, TOPOLOGY_LABEL } from "./labels.js";

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface SweepResult {
  readonly containers: string[];
  readonly networks: string[];
  readonly errors: string[];
}

/**
 * Whether a sweep for orphans leaves a resource alone: it belongs to a lab a person keeps (`callpath up`),
 * or to a lab whose creating process still runs on this host (parallel runs do not sweep each other).
 */
export function isLive(labels: Record<string, string> | undefined, alive: (pid: number) => boolean = processAlive): boolean {
  if (labels?.[KEEP_LABEL] === "true") return true;
  const owner = Number(labels?.[OWNER_LABEL]);
  return owner !== process.pid && alive(owner);
}

/**
 * Removes labelled containers and networks (`callpath prune`, `down`, and the test run's start). With
 * `onlyOrphans`, live labs (see isLive) are left alone.
 */
export async function sweepLabs(d: Docker, opts: { onlyOrphans: boolean; labId?: string }): Promise<SweepResult> {
  const filter = { label: [opts.labId ? `${LAB_LABEL}=${opts.labId}` : LAB_LABEL] };
  const keep = (labels: Record<string, string> | undefined): boolean => opts.onlyOrphans && isLive(labels);
  const result: SweepResult = { containers: [], networks: [], errors: [] };
  for (const c of await d.listContainers({ all: true, filters: filter })) {
    if (keep(c.Labels)) continue;
    try {
      await d.getContainer(c.Id).remove({ force: true, v: true });
      result.containers.push(c.Names[0]?.replace(/^\//, "") ?? c.Id);
    } catch (e) {
      result.errors.push(`container ${c.Id.slice(0, 12)}: ${(e as Error).message}`);
    }
  }
  for (const n of await d.listNetworks({ filters: filter })) {
    if (keep(n.Labels)) continue;
    try {
      await removeLabNetwork(d, n.Id);
      result.networks.push(n.Name);
    } catch (e) {
      result.errors.push(`network ${n.Name}: ${(e as Error).message}`);
    }
  }
  return result;
}

export interface LabSummary {
  readonly id: string;
  readonly topology: string;
  readonly containers: number;
  readonly live: boolean;
  readonly kept: boolean;
}

/** Every callpath lab on this engine, from its containers' and networks' labels. */
export async function listLabs(d: Docker): Promise<LabSummary[]> {
  const labs = new Map<string, { topology: string; containers: number; live: boolean; kept: boolean }>();
  const note = (labels: Record<string, string> | undefined, container: boolean): void => {
    const id = labels?.[LAB_LABEL];
    if (!id) return;
    const l = labs.get(id) ?? { topology: labels[TOPOLOGY_LABEL] ?? "?", containers: 0, live: isLive(labels), kept: labels[KEEP_LABEL] === "true" };
    if (container) l.containers++;
    labs.set(id, l);
  };
  for (const c of await d.listContainers({ all: true, filters: { label: [LAB_LABEL] } })) note(c.Labels, true);
  for (const n of await d.listNetworks({ filters: { label: [LAB_LABEL] } })) note(n.Labels, false);
  return [...labs].map(([id, l]) => ({ id, ...l })).sort((a, b) => a.id.localeCompare(b.id));
}
