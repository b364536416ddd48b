import { sbc } from "../../src/kinds/sbc/index.js";
import { parseSightings, sipServer, type ServerSighting } from "../../src/kinds/sip-server/index.js";
import { sipServerRef } from "../../src/kinds/user-agent/index.js";
import { waitForLog } from "../../src/lab/wait/log-wait-strategy.js";
import type { LabWorld } from "./world.js";

// Kamailio is not ours: what it saw is read from its xlog lines, on its log followed as a stream.

/** How long a line Kamailio writes may trail the SIP exchange a step just saw. */
const LOG_LAG_MS = 2000;
/** How long after one line of a request its next line may come. */
const NEXT_LINE_MS = 300;

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * A barrier on the server's log stream: a marker written to the stream Kamailio logs to (its stderr) and
 * read back means every line it wrote before is in. The positive control for "never saw": without it, a
 * stream opened just now may still be replaying the history when silence is read from it.
 */
async function caughtUp(world: LabWorld, server: string): Promise<void> {
  const log = await world.lab.node(server).logStream();
  const marker = `CALLPATH-MARK ${Date.now()}-${Math.random().toString(36).slice(2)}`;
  await world.lab.node(server).exec(["sh", "-c", 'printf "%s\\n" "$1" > /proc/1/fd/2', "sh", marker]);
  await waitForLog(log, marker, { timeoutMs: 10_000, what: `the marker ${marker} in ${server}'s log (is its log followed?)` });
}

/** The SIP server `ua` registers with (by its reference), or the lab's only one (a sip-server or an SBC: both are Kamailio). */
export function sipServerOf(world: LabWorld, ua?: string): string {
  if (ua) return sipServerRef(world.lab.topology.nodes.get(ua)!);
  const [first, ...more] = [...world.lab.nodesOf(sipServer), ...world.lab.nodesOf(sbc)];
  if (!first || more.length > 0)
    throw new Error(`this step needs exactly one sip-server or sbc in the lab; it has ${first ? [first, ...more].join(", ") : "none"}`);
  return first;
}

/** `method` requests from `ua` as the server logged them on arrival; with `wait`, waits for the first. */
export async function sightings(world: LabWorld, server: string, ua: string, method: string, wait: boolean): Promise<ServerSighting[]> {
  const log = await world.lab.node(server).logStream();
  if (wait) {
    await waitForLog(log, new RegExp(`CALLPATH-RX ${escapeRegex(method)} .*contact=.*sips?:${escapeRegex(ua)}@`), {
      timeoutMs: LOG_LAG_MS,
      what: `the SIP server logging a ${method} from ${ua}`,
    }).catch(() => undefined);
  } else await caughtUp(world, server);
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
  if (!expectSome) await caughtUp(world, sipServerOf(world));
  const lines = log.lines().map((l) => l.text);
  return { detections: lines.filter((l) => nat.test(l)), requestsFrom: lines.filter((l) => rx.test(l)).length };
}
