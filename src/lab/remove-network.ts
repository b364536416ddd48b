import type Docker from "dockerode";

/** What removeNetwork needs of dockerode: one network's remove, inspect and disconnect. */
export interface RemovableNetwork {
  remove(): Promise<unknown>;
  inspect(): Promise<{ Containers?: Record<string, unknown> | null }>;
  disconnect(opts: { Container: string; Force: boolean }): Promise<unknown>;
}

const statusOf = (e: unknown): number | undefined => (e as { statusCode?: number }).statusCode;

/**
 * Removes a lab network, the way compose and testcontainers do when the engine races: right after its
 * containers were removed, dockerd can still count an endpoint on the network ("has active endpoints",
 * moby#17217, #42119), and the removal fails once although nothing is attached. Such an endpoint is
 * disconnected by force and the removal tried again; a network already gone counts as removed.
 */
export async function removeNetwork(net: RemovableNetwork, opts: { attempts?: number; pauseMs?: number } = {}): Promise<void> {
  const attempts = opts.attempts ?? 4;
  const pauseMs = opts.pauseMs ?? 250;
  for (let attempt = 1; ; attempt++) {
    try {
      await net.remove();
      return;
    } catch (e) {
      if (statusOf(e) === 404) return;
      if (attempt >= attempts || !/active endpoints/i.test((e as Error).message)) throw e;
    }
    const attached = await net.inspect().then(
      (i) => Object.keys(i.Containers ?? {}),
      () => [],
    );
    for (const container of attached) await net.disconnect({ Container: container, Force: true }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, pauseMs * attempt));
  }
}

export function removeLabNetwork(d: Docker, id: string): Promise<void> {
  return removeNetwork(d.getNetwork(id) as unknown as RemovableNetwork);
}
