import { TopologyError } from "../common/errors.js";
import { builtinKinds } from "../kinds/builtin.js";
import { loadTopology } from "../topology/load.js";
import { topologyPath } from "./topology-path.js";

/** Interim: replaced by the hardened validate command. */
export async function validateCommand(args: string[], out: { stdout: (s: string) => void; stderr: (s: string) => void }): Promise<number> {
  if (args.length === 0) {
    out.stderr("callpath validate: name at least one topology file\n");
    return 2;
  }
  const kinds = builtinKinds();
  let bad = 0;
  for (const arg of args) {
    const file = topologyPath(arg);
    try {
      const t = await loadTopology(file, kinds);
      out.stdout(`${file}: ok (${t.nodes.size} nodes, ${t.networks.size} networks)\n`);
    } catch (e) {
      bad++;
      out.stdout(`${e instanceof TopologyError ? e.message : `${file}: ${(e as Error).message}`}\n`);
    }
  }
  return bad > 0 ? 1 : 0;
}
