import { parseSightings, type ServerSighting } from "../../src/kinds/sip-server/index.js";
import { waitForLog } from "../../src/lab/wait/log-wait-strategy.js";
import type { LabWorld } from "./world.js";

// Kamailio is not ours: what it saw is read from its xlog lines, on its log followed as a stream.

/** How long a line Kamailio writes may trail the SIP exchange a step just saw. */
const LOG_LAG_MS = 2000;
/** How long after one line of a request its next line may come. */
const NEXT_LINE_MS = 300;

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export function sipServerOf(world: LabWorld, ua?: string): string {
  if (ua) return (world.lab.topology.nodes.get(ua)!.spec as { sip: { server: string } }).sip.server;
  return [...world.lab.topology.nodes.values()].find((n) => n.kind === "sip-server")!.name;
}

/** `method` requests from `ua` as the server logged them on arrival; with `wait`, waits for the first. */
export async function sightings(world: LabWorld, server: string, ua: string, method: string, wait: boolean): Promise<ServerSighting[]> {
  const log = await world.lab.node(server).logStream();
  if (wait) {
    await waitForLog(log, new RegExp(`CALLPATH-RX ${escapeRegex(method)} .*contact=.*sips?:${escapeRegex(ua)}@`), {
      timeoutMs: LOG_LAG_MS,
      what: `the SIP server logging a ${method} from ${ua}`,
    }).catch(() => undefined);
  }
  return parseSightings(log.text()).filter(
    (s) => s.method === method && /sips?:/.test(s.contact) && (s.contact.includes(`sip:${ua}@`) || s.contact.includes(`sips:${ua}@`)),
  );
}

/**
 * The server's "behind NAT" lines for requests from `ip`, once a request from `ip` is in its log (a log
 * followed just now is still catching up): `requestsFrom` 0 means none ever came, so silence proves nothing.
 */
export async function natDetections(world: LabWorld, ip: string, expectSome: boolean): Promise<{ detections: string[]; requestsFrom: number }> {
  const log = await world.lab.node(sipServerOf(world)).logStream();
  const rx = new RegExp(`CALLPATH-RX .* from ${escapeRegex(ip)}:`);
  const nat = new RegExp(`CALLPATH-NAT .* from ${escapeRegex(ip)}:`);
  await waitForLog(log, rx, { timeoutMs: LOG_LAG_MS }).catch(() => undefined);
  // Kamailio writes a request's NAT line just after its RX line: give it that moment either way.
  await waitForLog(log, nat, { timeoutMs: expectSome ? LOG_LAG_MS : NEXT_LINE_MS }).catch(() => undefined);
  const lines = log.lines().map((l) => l.text);
  return { detections: lines.filter((l) => nat.test(l)), requestsFrom: lines.filter((l) => rx.test(l)).length };
}
