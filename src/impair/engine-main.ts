// The userspace impairment engine, one process per node (bundled as impair.mjs): netfilter queues hand it
// the packets of each impaired link end; it holds each one until the time its impairment gives it, then
// lets it go (or drops, corrupts, or duplicates it). The kernel keeps the packet meanwhile, so holding
// costs a packet id, not a copy. ppoll waits for the queue socket or the next send time, off the main
// thread (koffi's async call), so the event loop stays free for the control socket (engine-service.ts).
import { performance } from "node:perf_hooks";
import { Impairer } from "./impairer.js";
import { compileMatch, matches, type CompiledMatch } from "./packet-match.js";
import { DUP_MARK, ENGINE_SOCKET, ImpairService, type EndStats, type EngineEnd } from "./engine-service.js";
import { ServiceServer } from "../protocol/server.js";
import { listenUnix } from "../protocol/unix-socket.js";
import { MinHeap } from "./min-heap.js";
import { AF_INET, libnfq, NF_ACCEPT, NF_DROP, NFQNL_COPY_PACKET, queueCallback } from "../netfilter/libnfq.js";

const POLLIN = 1;
const MSG_DONTWAIT = 0x40;

const { nfqOpen, nfqBindPf, nfqCreateQueue, nfqSetMode, nfqSetMaxlen, nfqFd, nfqHandlePacket, nfqSetVerdict, recv, ppoll, setsockopt, socket, sendto } =
  libnfq();

/** For people reading the container log; the lab reads events and answers. */
const say = (line: string): void => void process.stdout.write(`impair: ${line}\n`);

interface Rule {
  readonly match: CompiledMatch;
  readonly impairer: Impairer;
}

interface End {
  /** As the lab last configured it. */
  config: EngineEnd;
  readonly queue: number;
  readonly label: string;
  qh: unknown;
  rules: Rule[];
  queued: number;
  readonly stats: EndStats;
}

interface Held {
  readonly at: number;
  readonly seq: number;
  readonly end: End;
  readonly id: number;
  readonly packet: Buffer | null;
  readonly copy: boolean;
}

const h = nfqOpen();
if (!h) throw new Error("nfq_open failed (NET_ADMIN missing?)");
nfqBindPf(h, AF_INET);
const fd = nfqFd(h) as number;
const raw = socket(AF_INET, 3 /* SOCK_RAW */, 255 /* IPPROTO_RAW */) as number;
const markBuf = Buffer.alloc(4);
markBuf.writeUInt32LE(DUP_MARK);
// Duplicates are sent by this raw socket with a mark the node's rules skip (no second queueing, no NAT).
if (raw < 0 || setsockopt(raw, 1 /* SOL_SOCKET */, 36 /* SO_MARK */, markBuf, 4) < 0)
  throw new Error("cannot open the raw socket for duplicates (NET_RAW/NET_ADMIN?)");

const ends = new Map<number, End>();
const heap = new MinHeap<Held>((a, b) => a.at - b.at || a.seq - b.seq);
let seq = 0;

function bind(end: End): void {
  const cb = queueCallback((qh, id, data) => {
    onPacket(end, qh, id, data);
    return 0;
  });
  const qh = nfqCreateQueue(h, end.queue, cb, null);
  if (!qh) throw new Error(`nfq_create_queue ${end.queue} failed (is another process bound to it?)`);
  if (nfqSetMode(qh, NFQNL_COPY_PACKET, 0xffff) < 0) throw new Error("nfq_set_mode failed");
  // Packets held for a long delay at a high rate must not overflow the kernel's default 1024.
  nfqSetMaxlen(qh, 65536);
  end.qh = qh;
}

function onPacket(end: End, qh: unknown, id: number, data: Buffer): void {
  end.stats.seen++;
  const rule = end.rules.find((r) => matches(r.match, data));
  if (!rule) {
    nfqSetVerdict(qh, id, NF_ACCEPT, 0, null);
    return;
  }
  end.stats.matched++;
  const now = performance.now();
  const fate = rule.impairer.decide(now, data.length, end.queued);
  if (fate.kind === "drop") {
    if (fate.why === "loss") end.stats.lost++;
    else end.stats.overLimit++;
    nfqSetVerdict(qh, id, NF_DROP, 0, null);
    return;
  }
  let packet: Buffer | null = null;
  if (fate.corrupt && data.length > 0) {
    // netem flips one random bit of the packet.
    packet = Buffer.from(data);
    packet[Math.floor(Math.random() * packet.length)]! ^= 1 << Math.floor(Math.random() * 8);
    end.stats.corrupted++;
  }
  if (fate.copies === 2) end.stats.duplicated++;
  if (fate.at <= now && fate.copies === 1) {
    nfqSetVerdict(qh, id, NF_ACCEPT, packet?.length ?? 0, packet);
    end.stats.sent++;
    return;
  }
  end.queued++;
  heap.push({ at: fate.at, seq: seq++, end, id, packet: packet ?? (fate.copies === 2 ? data : null), copy: fate.copies === 2 });
}

const sockaddr = Buffer.alloc(16);
sockaddr.writeUInt16LE(AF_INET, 0);

function release(now: number): void {
  for (let top = heap.peek(); top && top.at <= now; top = heap.peek()) {
    heap.pop();
    top.end.queued--;
    const late = now - top.at;
    if (late > top.end.stats.maxLateMs) top.end.stats.maxLateMs = late;
    const replaced = top.copy ? null : top.packet;
    nfqSetVerdict(top.end.qh, top.id, NF_ACCEPT, replaced?.length ?? 0, replaced);
    if (top.copy && top.packet && top.packet.length >= 20) {
      top.packet.copy(sockaddr, 4, 16, 20);
      sendto(raw, top.packet, top.packet.length, 0, sockaddr, 16);
    }
    top.end.stats.sent++;
  }
}

function configure(config: readonly EngineEnd[]): number {
  for (const e of config) {
    let end = ends.get(e.queue);
    if (!end) {
      end = {
        config: e,
        queue: e.queue,
        label: e.label,
        qh: null,
        rules: [],
        queued: 0,
        stats: { label: e.label, queue: e.queue, rules: [], seen: 0, matched: 0, sent: 0, lost: 0, overLimit: 0, duplicated: 0, corrupted: 0, maxLateMs: 0 },
      };
      bind(end);
      ends.set(e.queue, end);
    }
    end.config = e;
    // New rules start fresh (their own random state and rate clock); packets already held keep their times.
    end.rules = e.rules.map((r) => ({ match: compileMatch(r.match), impairer: new Impairer(r) }));
    end.stats.rules = e.descriptions;
    say(`${e.label} queue ${e.queue}: ${e.descriptions.join("; ") || "cleared"}`);
    server.emit("configured", { label: e.label, queue: e.queue, rules: e.descriptions });
  }
  return ends.size;
}

const server = new ServiceServer(
  ImpairService,
  {
    // Rules are replaced between two packets (one thread runs both), so once answered the next packet obeys them.
    configure: (p) => ({ ends: configure(p.ends) }),
    stats: () => ({ ends: [...ends.values()].map((e) => ({ ...e.stats, queuedNow: e.queued })) }),
    config: () => ({ ends: [...ends.values()].map((e) => e.config) }),
    subscribe: (p, ctx) => ctx.replay(p.sinceSeq),
  },
  { historyLimit: 1000 },
);

const pollfds = Buffer.alloc(8);
pollfds.writeInt32LE(fd, 0);
pollfds.writeInt16LE(POLLIN, 4);
const timeout = Buffer.alloc(16);
const buf = Buffer.alloc(0x20000);

function loop(): void {
  release(performance.now());
  const next = heap.peek();
  // A new packet ends the wait at once; the timeout only bounds how long a held one may wait for its time.
  const waitMs = next ? Math.max(0, next.at - performance.now()) : 500;
  timeout.writeBigInt64LE(BigInt(Math.floor(waitMs / 1000)), 0);
  timeout.writeBigInt64LE(BigInt(Math.floor((waitMs % 1000) * 1e6)), 8);
  pollfds.writeInt16LE(0, 6);
  ppoll.async(pollfds, 1, timeout, null, (err: unknown) => {
    if (err) throw err;
    if (pollfds.readInt16LE(6) & POLLIN) {
      // Drain whatever the kernel has queued, without blocking: the next send time may be near.
      for (;;) {
        const n = Number(recv(fd, buf, buf.length, MSG_DONTWAIT));
        if (n <= 0) break;
        nfqHandlePacket(h, buf, n);
      }
    }
    loop();
  });
}

await listenUnix(ENGINE_SOCKET, server);
say(`engine ready (pid ${process.pid}) on ${ENGINE_SOCKET}`);
server.emit("ready", { pid: process.pid });
loop();
