import type { StartedLab } from "../lab/started-lab.js";

/** The Node inside the agent image (user agents, the mirror): lab-side helpers run with it, so their traffic stays in the lab. */
const NODE = "/usr/local/bin/node";

/** Runs a short Node program inside `node`; resolves with its stdout. */
export function runNodeScript(lab: StartedLab, node: string, script: string): Promise<string> {
  return lab.node(node).exec([NODE, "-e", script]);
}
