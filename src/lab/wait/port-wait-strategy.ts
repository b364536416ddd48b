import { retryUntil } from "../../common/retry.js";
import type { NodeRuntime } from "../../kinds/kind.js";
import { listeningPorts } from "../../kinds/listening.js";

// For programs that are not ours and say nothing reliable when their sockets are open (Kamailio prints
// "Listening on" before it binds; coturn nothing): the node's own socket table, read until the ports
// appear. Our own programs announce readiness with a protocol event instead.

export interface PortWaitOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Names the program, for the error. */
  readonly what: string;
}

export async function waitForListeningPorts(rt: NodeRuntime, want: { tcp?: readonly number[]; udp?: readonly number[] }, o: PortWaitOptions): Promise<void> {
  const tcp = want.tcp ?? [];
  const udp = want.udp ?? [];
  const ports = [udp.length ? `UDP ${udp.join(", ")}` : "", tcp.length ? `TCP ${tcp.join(", ")}` : ""].filter(Boolean).join(" and ");
  await retryUntil(
    async () => {
      const open = await listeningPorts(rt);
      return tcp.every((p) => open.tcp.has(p)) && udp.every((p) => open.udp.has(p));
    },
    // One exec per look: each is a round trip to dockerd.
    { timeoutMs: o.timeoutMs, intervalMs: 25, signal: o.signal, what: `${o.what} on ${rt.name} listening on ${ports}` },
  );
}
