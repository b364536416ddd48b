import { choices, LabError } from "../common/errors.js";
import { stderrLogger, type Logger } from "../common/log.js";
import { builtinKinds } from "../kinds/builtin.js";
import { attachLab, type AttachedLab } from "../lab/attached-lab.js";
import { ensureDockerEngine } from "../lab/docker-engine.js";
import { parseTopology } from "../topology/load.js";
import { UsageError } from "./command.js";
import { readUpState, STATE_FILE } from "./live-state.js";

// What every live-lab command (`call`, `hangup`, `impair`, `shell`) shares: the lab `callpath up` left,
// attached for the command's run and let go of afterwards, and names on the command line checked against
// it (a wrong name is a usage error naming the valid choices).

/** Runs `use` over the lab `callpath up` recorded, attached; its channels are closed afterwards, the lab stays. */
export async function withUpLab<T>(use: (lab: AttachedLab) => Promise<T>, log: Logger = stderrLogger(), stateFile = STATE_FILE): Promise<T> {
  const state = await readUpState(stateFile);
  const kinds = builtinKinds();
  const topology = parseTopology(state.text, state.file, kinds, state.overrides);
  const d = await ensureDockerEngine(log);
  let lab: AttachedLab;
  try {
    lab = await attachLab(state.id, topology, { docker: d, kinds });
  } catch (e) {
    if (/^no lab "/.test((e as Error).message))
      throw new LabError(`the lab \`callpath up\` recorded (${state.id}, ${state.topology}) is gone; start one with \`callpath up <topology>\``);
    throw e;
  }
  try {
    return await use(lab);
  } finally {
    await lab.close().catch((e: Error) => log(e.message));
  }
}

/** `name` as a node of the lab. */
export function nodeArg(lab: AttachedLab, name: string): string {
  if (!lab.nodeNames().includes(name)) throw new UsageError(`no node "${name}" in "${lab.topology.name}"; nodes: ${choices(lab.nodeNames())}`);
  return name;
}

/** `name` as a user agent of the lab. */
export function agentArg(lab: AttachedLab, name: string): string {
  const agents = lab.agentNames();
  if (!agents.includes(name)) {
    const what = lab.nodeNames().includes(name) ? `"${name}" is a ${lab.kindOf(name)}, not a user agent` : `no node "${name}" in "${lab.topology.name}"`;
    throw new UsageError(`${what}; agents: ${choices(agents)}`);
  }
  return name;
}

/** `name` as a node that can carry impairments, and `network` (when given) as one it joins. */
export function impairableArg(lab: AttachedLab, name: string, network?: string): void {
  nodeArg(lab, name);
  const impairable = lab.impairableNodeNames();
  if (!impairable.includes(name))
    throw new UsageError(`"${name}" is a ${lab.kindOf(name)}, which cannot carry impairments; nodes that can: ${choices(impairable)}`);
  if (network === undefined) return;
  const joins = [...new Set(lab.node(name).node.interfaces.map((i) => i.network))];
  if (!joins.includes(network)) {
    const known = lab.topology.networks.has(network) ? `"${name}" is not on network "${network}"` : `no network "${network}" in "${lab.topology.name}"`;
    throw new UsageError(`${known}; ${name} joins: ${joins.join(", ")}`);
  }
}
