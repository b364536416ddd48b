import type { NodeRuntime } from "../kinds/kind.js";
import { ServiceClient } from "../protocol/client.js";
import { execTransport } from "../protocol/lines.js";
import type { ServiceDef } from "../protocol/service.js";

// Daemons in a node (the impairment engine, the userspace ALG, the SIP mirror) outlive the test process
// that started them (`callpath up` leaves labs running), so they serve a unix socket, and the test process
// reaches it through bridge.mjs run by `docker exec`: one channel per client, the same protocol.

const NODE = "/usr/local/bin/node";
const BRIDGE = "/opt/callpath/bridge.mjs";

/** Starts `cmd` in the background inside the node, its output on the container's log. */
export async function startDaemon(rt: NodeRuntime, cmd: readonly string[]): Promise<void> {
  await rt.exec(["sh", "-c", 'nohup "$@" >/proc/1/fd/1 2>&1 &', "sh", NODE, ...cmd]);
}

/**
 * A channel to the daemon serving `socket` in the node. The bridge waits (up to `waitMs`) for a daemon
 * just started to create its socket; a daemon that never does makes the bridge exit, which fails the
 * first request with "channel closed" (callers add the container log's tail, as logTail gives it).
 */
export async function openDaemon<S extends ServiceDef>(rt: NodeRuntime, service: S, socket: string, waitMs = 10_000): Promise<ServiceClient<S>> {
  const proc = await rt.spawn([NODE, BRIDGE, socket, String(waitMs)]);
  const stderr: string[] = [];
  proc.onStderr((c) => stderr.push(c));
  const client = new ServiceClient(service, execTransport(proc), { peer: `${service.name} on ${rt.name}`, timeoutMs: waitMs + 5000 });
  void proc.exited.then(async () => {
    if (stderr.length) rt.log(`${service.name} bridge: ${stderr.join("").trim()}`);
  });
  return client;
}

/** The container log's last lines: where a daemon that failed to start said why. */
export async function logTail(rt: NodeRuntime, lines = 8): Promise<string> {
  const text = await rt.logs().catch(() => "");
  return text.trim().split("\n").slice(-lines).join("\n");
}
