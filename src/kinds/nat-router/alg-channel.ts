import { ALG_SOCKET, AlgService, type AlgVerdict } from "../../alg/alg-service.js";
import { openDaemon } from "../../lab/daemon-channel.js";
import type { NodeRuntime } from "../kind.js";

export type AlgChannel = Awaited<ReturnType<typeof openDaemon<typeof AlgService>>>;

/**
 * Runs `use` with a channel to the router's userspace ALG, its whole kept history already replayed (so
 * `received()` holds every verdict since the ALG started), and closes it afterwards.
 */
export async function withAlg<T>(rt: NodeRuntime, use: (alg: AlgChannel) => Promise<T>, waitMs = 2000): Promise<T> {
  const alg = await openDaemon(rt, AlgService, ALG_SOCKET, waitMs);
  try {
    await alg.request("subscribe", { sinceSeq: 0 });
    return await use(alg);
  } finally {
    alg.close();
  }
}

/** Every verdict so far, and whether the ALG said it was bound (the observer worked). */
export function algVerdicts(rt: NodeRuntime): Promise<{ bound: boolean; verdicts: AlgVerdict[] }> {
  return withAlg(rt, async (alg) => ({ bound: alg.received("bound").length > 0, verdicts: alg.received("verdict").map((e) => e.data) }));
}
