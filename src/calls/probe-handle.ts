import type { StartedLab } from "../lab/started-lab.js";
import { ServiceClient } from "../protocol/client.js";
import { execTransport } from "../protocol/lines.js";
import { ProbeService } from "../probe/probe-service.js";

export type Probe = ServiceClient<typeof ProbeService>;

/** The Node and the probe in the agent image (user agents, the mirror): their traffic stays in the lab. */
const PROBE = ["/usr/local/bin/node", "/opt/callpath/probe.mjs"] as const;

/** Runs `use` with a probe process in each of `nodes` (in that order), and ends them all afterwards. */
export async function withProbes<T>(lab: StartedLab, nodes: readonly string[], use: (probes: Probe[]) => Promise<T>): Promise<T> {
  const started = await Promise.allSettled(
    nodes.map(async (node) => {
      const proc = await lab.node(node).spawn(PROBE);
      const stderr: string[] = [];
      proc.onStderr((c) => stderr.push(c));
      const client = new ServiceClient(ProbeService, execTransport(proc), { peer: `probe on ${node}`, timeoutMs: 30_000 });
      return { client, stderr };
    }),
  );
  const probes = started.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    // The ones that did start are ended too: their exec streams would otherwise outlive the step.
    for (const p of probes) p.client.close();
    throw failed.reason;
  }
  try {
    return await use(probes.map((p) => p.client));
  } catch (e) {
    const why = probes.flatMap((p) => (p.stderr.length ? [`${p.client.peer}: ${p.stderr.join("").trim().slice(-1000)}`] : []));
    if (why.length && e instanceof Error) e.message += `\n${why.join("\n")}`;
    throw e;
  } finally {
    for (const p of probes) p.client.close();
  }
}
