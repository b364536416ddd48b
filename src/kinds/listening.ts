import type { NodeRuntime } from "./kind.js";

export interface ListeningPorts {
  readonly tcp: ReadonlySet<number>;
  readonly udp: ReadonlySet<number>;
}

/** Parses `ss -lntu`: the ports a node listens on, per protocol. */
export function parseListening(ss: string): ListeningPorts {
  const tcp = new Set<number>();
  const udp = new Set<number>();
  for (const line of ss.split("\n")) {
    const [netid, , , , local] = line.trim().split(/\s+/);
    const port = Number(local?.slice(local.lastIndexOf(":") + 1));
    if (!Number.isInteger(port) || port <= 0) continue;
    if (netid === "tcp") tcp.add(port);
    else if (netid === "udp") udp.add(port);
  }
  return { tcp, udp };
}

/** One exec per poll: readiness checks run every few tens of ms, and each exec is a round trip to dockerd. */
export async function listeningPorts(rt: NodeRuntime): Promise<ListeningPorts> {
  return parseListening(await rt.exec(["ss", "-lntu"]));
}
