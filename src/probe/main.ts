// probe.mjs: the lab-side probe (see probe-service.ts), driven over its `docker exec` stdio.
import dgram from "node:dgram";
import net from "node:net";
import { serveStdio, ServiceServer } from "../protocol/server.js";
import { ProbeService, type Arrivals } from "./probe-service.js";
import { stampedPacket } from "./stamp.js";

interface Listener {
  readonly proto: "udp" | "tcp";
  readonly arrivals: Arrivals;
  /** Called on every arrival; collect() waits through it. */
  onArrival: () => void;
  stop(): void;
}

const listeners = new Map<number, Listener>();
let nextListener = 1;

function record(l: Listener, mode: string, msg: Buffer): void {
  l.arrivals.datagrams++;
  l.arrivals.bytes += msg.length;
  if (mode === "timestamps" && msg.length >= 12)
    l.arrivals.stamped.push([msg.readUInt32BE(0), Number(process.hrtime.bigint() - msg.readBigUInt64BE(4)) / 1000]);
  if (mode === "text") l.arrivals.texts.push(msg.toString("utf8"));
  l.onArrival();
}

const empty = (): Arrivals => ({ datagrams: 0, bytes: 0, stamped: [], texts: [] });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const server = new ServiceServer(ProbeService, {
  async listen(p) {
    const id = nextListener++;
    const l: Listener = { proto: p.proto, arrivals: empty(), onArrival: () => undefined, stop: () => undefined };
    let address: string;
    if (p.proto === "udp") {
      const s = dgram.createSocket("udp4");
      s.on("message", (m) => record(l, p.mode, m));
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.bind(p.port, p.ip, () => resolve());
      });
      // Answered only once the datagram is out: the mapping it opens exists before any sender starts.
      const open = p.open;
      if (open) await new Promise<void>((resolve, reject) => s.send(open.text, open.port, open.ip, (e) => (e ? reject(e) : resolve())));
      l.stop = () => s.close();
      address = s.address().address;
    } else {
      const sockets = new Set<net.Socket>();
      const srv = net.createServer((c) => {
        sockets.add(c);
        c.on("data", (d) => {
          l.arrivals.bytes += d.length;
          l.onArrival();
        });
        c.on("error", () => undefined);
        c.on("close", () => sockets.delete(c));
      });
      await new Promise<void>((resolve, reject) => {
        srv.once("error", reject);
        srv.listen(p.port, p.ip, () => resolve());
      });
      l.stop = () => {
        srv.close();
        for (const c of sockets) c.destroy();
      };
      address = (srv.address() as net.AddressInfo).address;
    }
    listeners.set(id, l);
    server.emit("listening", { listener: id, proto: p.proto, address, port: p.port });
    return { listener: id };
  },

  async collect(p) {
    const l = listeners.get(p.listener);
    if (!l) throw new Error(`no listener ${p.listener}; open: ${[...listeners.keys()].join(", ") || "none"}`);
    // UDP counts datagrams, TCP bytes (a stream keeps no message boundaries).
    const count = (): number => (l.proto === "udp" ? l.arrivals.datagrams : l.arrivals.bytes);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, p.graceMs);
      const expect = p.expect;
      if (expect === undefined) return;
      const check = (): void => {
        if (count() < expect) return;
        clearTimeout(timer);
        resolve();
      };
      l.onArrival = check;
      check();
    });
    l.stop();
    listeners.delete(p.listener);
    return l.arrivals;
  },

  async send(p) {
    const packets = p.payloads.map((b64) => Buffer.from(b64, "base64"));
    if (p.proto === "udp") {
      const s = dgram.createSocket("udp4");
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.bind(p.fromPort ?? 0, () => resolve());
      });
      const t0 = Date.now();
      for (let i = 0; i < packets.length; i++) {
        await sleep(Math.max(0, t0 + i * p.gapMs - Date.now()));
        await new Promise<void>((resolve, reject) => s.send(packets[i]!, p.to.port, p.to.ip, (e) => (e ? reject(e) : resolve())));
      }
      s.close();
      return { sent: packets.length, error: null };
    }
    const c = net.connect(p.to.port, p.to.ip);
    c.on("error", () => undefined);
    const connected = await new Promise<string | null>((resolve) => {
      const timer = setTimeout(() => resolve(`no TCP connection to ${p.to.ip}:${p.to.port} within ${p.connectTimeoutMs} ms`), p.connectTimeoutMs);
      c.once("connect", () => (clearTimeout(timer), resolve(null)));
      c.once("error", (e) => (clearTimeout(timer), resolve(e.message)));
    });
    if (connected) {
      c.destroy();
      return { sent: 0, error: connected };
    }
    // One segment per write: DPI rules look at segments, as they would at a real phone's.
    c.setNoDelay(true);
    const t0 = Date.now();
    let sent = 0;
    for (let i = 0; i < packets.length && !c.destroyed; i++) {
      await sleep(Math.max(0, t0 + i * p.gapMs - Date.now()));
      c.write(packets[i]!);
      sent++;
    }
    await new Promise<void>((resolve) => c.end(resolve));
    return { sent, error: c.destroyed && sent < packets.length ? "the connection was reset" : null };
  },

  async sendStamped(p) {
    const s = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => s.bind(0, () => resolve()));
    // Paced against the clock, not by timer drift: packet i leaves at start + i·gap. A buffer per packet:
    // dgram sends asynchronously, so a reused buffer could be rewritten before it leaves.
    const t0 = Date.now();
    let i = 0;
    // Sends complete asynchronously: close once every one is out.
    let out = 0;
    await new Promise<void>((resolve) => {
      const sentOne = (): void => {
        if (++out === p.count) resolve();
      };
      const tick = (): void => {
        while (i < p.count && Date.now() - t0 >= i * p.gapMs) s.send(stampedPacket(i++, p.size), p.to.port, p.to.ip, sentOne);
        if (i < p.count) setTimeout(tick, 1);
      };
      tick();
    });
    s.close();
    return { sent: p.count };
  },
});

serveStdio(server, () => process.exit(0));
