import type Docker from "dockerode";
import { LAB_LABEL, OWNER_LABEL } from "./labels.js";

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
 * Removes labelled containers and networks (`callpath prune`, and the test run's start). With
 * `onlyOrphans`, labs whose creating process is still alive on this host are left alone, so parallel runs
 * do not sweep each other.
 */
export async function sweepLabs(d: Docker, opts: { onlyOrphans: boolean; labId?: string }): Promise<SweepResult> {
  const filter = { label: [opts.labId ? `${LAB_LABEL}=${opts.labId}` : LAB_LABEL] };
  const keep = (labels: Record<string, string> | undefined): boolean =>
    opts.onlyOrphans && processAlive(Number(labels?.[OWNER_LABEL])) && Number(labels?.[OWNER_LABEL]) !== process.pid;
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
      await d.getNetwork(n.Id).remove();
      result.networks.push(n.Name);
    } catch (e) {
      result.errors.push(`network ${n.Name}: ${(e as Error).message}`);
    }
  }
  return result;
}
