import type { LabWorld } from "./world.js";

/** RTP packets each agent has received so far on call `callId` (0 for an agent with no media for it). */
export async function receivedPackets(world: LabWorld, callId: string, agents: readonly string[]): Promise<number[]> {
  return Promise.all(agents.map(async (ua) => (await world.lab.agent(ua).media()).find((m) => m.callId === callId)?.rtp.received.packets ?? 0));
}
