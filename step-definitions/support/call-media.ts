import { pollUntil } from "../../src/common/retry.js";
import type { LabWorld, LedgerEntry } from "./world.js";

/** RTP packets each agent has received so far on call `callId` (0 for an agent with no media for it). */
export async function receivedPackets(world: LabWorld, callId: string, agents: readonly string[]): Promise<number[]> {
  return Promise.all(agents.map(async (ua) => (await world.lab.agent(ua).media()).find((m) => m.callId === callId)?.rtp.received.packets ?? 0));
}

/** Waits up to `limitMs` for the caller's outcome of `entry` to name a failed stage; records the latest outcome. */
export async function awaitFailedStage(world: LabWorld, entry: LedgerEntry, limitMs: number): Promise<void> {
  const call = await pollUntil(
    async () => (await world.lab.agent(entry.caller).calls()).find((c) => c.callId === entry.outcome.callId),
    (c) => Boolean(c?.failedStage),
    limitMs,
    250,
  );
  if (call) entry.outcome = call;
}
