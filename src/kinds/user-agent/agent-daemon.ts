import { dirname } from "node:path";
import { TLS_KEYLOG } from "../../capture/capture-plan.js";
import type { AgentConfig } from "../../agent/sip-agent.js";
import { AgentService } from "../../agent/agent-service.js";
import { AgentHandle } from "../../calls/agent-handle.js";
import { LabError } from "../../common/errors.js";
import { logTail, openDaemon } from "../../lab/daemon-channel.js";
import type { NodeRuntime } from "../kind.js";

// A kept lab's user agent (`callpath up`) runs as a daemon in its node, serving the agent service on a unix
// socket, so that it outlives `up` and every later command (`callpath call`, `hangup`) reaches the same
// agent, with its registration and its calls, through bridge.mjs (daemon-channel.ts). Its configuration
// (addresses, the lab CA, TURN credentials) is written into the node once, at `up`: a later process that
// has to start the daemon again finds it there and needs none of the lab's secrets.

export const AGENT_SOCKET = "/run/callpath/agent.sock";
export const AGENT_CONFIG = "/run/callpath/agent.json";
/** Held by the running daemon (flock on an inherited descriptor): at most one agent per node, and a test for one. */
export const AGENT_LOCK = "/run/callpath/agent.lock";
const NODE = "/usr/local/bin/node";
const AGENT = "/opt/callpath/agent.mjs";

export type DaemonStart = "started" | "running" | "no-config";

/** Where a daemon's files are and what runs it; the agent's by default (a test runs the script on the host). */
export interface DaemonFiles {
  readonly config: string;
  readonly lock: string;
  readonly socket: string;
  /** The command, as shell words (the script quotes nothing). */
  readonly command: string;
  /** Where its output goes. */
  readonly log: string;
}

const AGENT_FILES: DaemonFiles = {
  config: AGENT_CONFIG,
  lock: AGENT_LOCK,
  socket: AGENT_SOCKET,
  // The TLS key log as in a scenario's agent (user-agent/index.ts): a kept lab's capture decrypts too.
  command: `${NODE} --tls-keylog=${TLS_KEYLOG} ${AGENT} --daemon ${AGENT_SOCKET} ${AGENT_CONFIG}`,
  log: "/proc/1/fd/1",
};

/**
 * The shell that starts the daemon unless one runs: it takes the lock, removes a dead daemon's socket (a
 * client would be refused by it rather than wait for the new one), and leaves the lock to the daemon,
 * which inherits the locked descriptor: the lock is free exactly when no daemon runs. Prints what it
 * found: started, running, or no-config.
 */
export function daemonStartScript(f: DaemonFiles = AGENT_FILES): string {
  return [
    `mkdir -p ${dirname(f.lock)}`,
    `[ -f ${f.config} ] || { echo no-config; exit 0; }`,
    `exec 9>>${f.lock}`,
    "if flock -n 9; then",
    `  rm -f ${f.socket}`,
    `  nohup ${f.command} >${f.log} 2>&1 &`,
    "  echo started",
    "else",
    "  echo running",
    "fi",
  ].join("\n");
}

/** A shell that prints whether the daemon runs (held) or not (free), without starting one. */
export function daemonProbeScript(f: Pick<DaemonFiles, "lock"> = AGENT_FILES): string {
  return `exec 9>>${f.lock}; if flock -n 9; then echo free; else echo held; fi`;
}

/** Reads what the start script printed. */
export function parseDaemonStart(output: string): DaemonStart {
  const word = output.trim().split("\n").pop();
  if (word === "started" || word === "running" || word === "no-config") return word;
  throw new LabError(`unexpected answer from the agent's start script: ${JSON.stringify(output.trim())}`);
}

/** Starts the node's agent daemon unless it runs; with `config`, writes it first (the lab's start). */
export async function startAgentDaemon(rt: NodeRuntime, config?: AgentConfig): Promise<"started" | "running"> {
  if (config) await rt.writeFiles([{ path: AGENT_CONFIG, content: JSON.stringify(config), mode: 0o600 }]);
  const found = parseDaemonStart(await rt.exec(["sh", "-c", daemonStartScript()]));
  if (found === "no-config")
    throw new LabError(
      `${rt.name}: no agent configuration in the node (${AGENT_CONFIG}): this lab was not started by a callpath whose agents run as daemons; remove it (callpath down) and start it again (callpath up)`,
    );
  return found;
}

/** Whether the node's agent daemon is running (it holds the lock), without starting one. */
export async function agentDaemonRunning(rt: NodeRuntime): Promise<boolean> {
  const out = await rt.exec(["sh", "-c", daemonProbeScript()]);
  return out.trim() === "held";
}

/** A handle on the node's agent daemon, once it has loaded (a daemon just started is waited for, by its events). */
export async function connectAgent(rt: NodeRuntime, timeoutMs = 20_000): Promise<AgentHandle> {
  const client = await openDaemon(rt, AgentService, AGENT_SOCKET, timeoutMs);
  return AgentHandle.connect(rt.name, client, timeoutMs, () => logTail(rt));
}

/**
 * The agent of a kept lab, ready for calls: its daemon (re)started if it is not running, reached, and its
 * SIP started (at once when it already was). `started` says whether this call had to start it.
 */
export async function ensureAgent(rt: NodeRuntime, timeoutMs = 20_000): Promise<{ agent: AgentHandle; started: boolean }> {
  const found = await startAgentDaemon(rt);
  const agent = await connectAgent(rt, timeoutMs);
  try {
    await agent.startSip(timeoutMs);
  } catch (e) {
    agent.close();
    throw e;
  }
  return { agent, started: found === "started" };
}
