import { execFile } from "node:child_process";
import dgram, { type RemoteInfo } from "node:dgram";
import net from "node:net";
import tls from "node:tls";
import { decode, type Decoded, messageLength, type TransportAddress } from "./stun.js";

// The probe's sockets: UDP requests with retransmission, STUN over a stream, bounded connects and
// commands. Every wait here has a deadline; nothing waits on the network for longer than it is told.

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function parseHostPort(s: string | undefined): TransportAddress | undefined {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec((s ?? "").trim());
  return m ? { address: m[1]!, port: Number(m[2]) } : undefined;
}

export interface Retransmit {
  /** Send times (ms after the first send) of the retransmissions, RFC 8489-style but shorter. */
  readonly resendAt: readonly number[];
  /** The answer is given up on this long after the first send. */
  readonly timeoutMs: number;
}

/** Small, quick, with two retransmissions: a lab path answers in milliseconds. */
export const QUICK: Retransmit = { resendAt: [250, 750], timeoutMs: 1500 };
/** For negative evidence (no answer means something): more retransmissions, so loss is not mistaken for a block. */
export const PATIENT: Retransmit = { resendAt: [200, 500, 900, 1400], timeoutMs: 2200 };

type Waiter = (msg: Buffer, from: RemoteInfo) => boolean;

/** One UDP socket; answers go to whichever pending request claims them. */
export class UdpEndpoint {
  private readonly waiters = new Set<Waiter>();
  private constructor(private readonly socket: dgram.Socket) {
    socket.on("message", (msg, from) => {
      for (const w of this.waiters) if (w(msg, from)) return;
    });
    socket.on("error", () => {});
  }

  static open(ttl?: number): Promise<UdpEndpoint> {
    return new Promise((resolve, reject) => {
      const s = dgram.createSocket("udp4");
      s.once("error", reject);
      s.bind(0, () => {
        s.off("error", reject);
        if (ttl !== undefined) s.setTTL(ttl);
        resolve(new UdpEndpoint(s));
      });
    });
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(to: TransportAddress, bytes: Buffer): void {
    this.socket.send(bytes, to.port, to.address);
  }

  /** Sends `bytes` with retransmissions until `match` claims an answer, or the timeout. */
  request<T>(to: TransportAddress, bytes: Buffer, match: (msg: Buffer, from: RemoteInfo) => T | undefined, r: Retransmit): Promise<T | undefined> {
    return new Promise((resolve) => {
      const timers: NodeJS.Timeout[] = [];
      const done = (v: T | undefined): void => {
        this.waiters.delete(waiter);
        for (const t of timers) clearTimeout(t);
        resolve(v);
      };
      const waiter: Waiter = (msg, from) => {
        const v = match(msg, from);
        if (v === undefined) return false;
        done(v);
        return true;
      };
      this.waiters.add(waiter);
      this.send(to, bytes);
      for (const at of r.resendAt) timers.push(setTimeout(() => this.send(to, bytes), at));
      timers.push(setTimeout(() => done(undefined), r.timeoutMs));
    });
  }

  close(): void {
    this.waiters.clear();
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}

export interface StunAnswer {
  readonly msg: Decoded;
  readonly from: TransportAddress;
  readonly ms: number;
}

/** A STUN transaction over UDP: the answer with this transaction id, wherever it comes from. */
export function stunOverUdp(
  ep: UdpEndpoint,
  to: TransportAddress,
  req: { bytes: Buffer; transactionId: Buffer },
  r: Retransmit = QUICK,
): Promise<StunAnswer | undefined> {
  const t0 = Date.now();
  return ep.request(
    to,
    req.bytes,
    (buf, from) => {
      const msg = decode(buf);
      return msg?.transactionId.equals(req.transactionId) ? { msg, from: { address: from.address, port: from.port }, ms: Date.now() - t0 } : undefined;
    },
    r,
  );
}

export type Connected<S> = { ok: true; socket: S; ms: number } | { ok: false; why: string };

export function connectTcp(to: TransportAddress, timeoutMs: number): Promise<Connected<net.Socket>> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const s = net.connect({ host: to.address, port: to.port });
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ ok: false, why: `no TCP connection to ${to.address}:${to.port} within ${timeoutMs} ms` });
    }, timeoutMs);
    s.once("connect", () => {
      clearTimeout(timer);
      s.setNoDelay(true);
      resolve({ ok: true, socket: s, ms: Date.now() - t0 });
    });
    s.once("error", (e) => {
      clearTimeout(timer);
      resolve({ ok: false, why: `TCP connection to ${to.address}:${to.port} failed: ${e.message}` });
    });
  });
}

/** TLS without checking the certificate: the probe measures the path, not the server's identity. */
export function connectTls(to: TransportAddress, timeoutMs: number): Promise<Connected<tls.TLSSocket> & { tcpOpened?: boolean }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let tcpOpened = false;
    const s = tls.connect({ host: to.address, port: to.port, rejectUnauthorized: false, servername: undefined });
    s.once("connect", () => {
      tcpOpened = true;
    });
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ ok: false, why: `no TLS session with ${to.address}:${to.port} within ${timeoutMs} ms${tcpOpened ? " (TCP opened)" : ""}`, tcpOpened });
    }, timeoutMs);
    s.once("secureConnect", () => {
      clearTimeout(timer);
      s.setNoDelay(true);
      resolve({ ok: true, socket: s, ms: Date.now() - t0, tcpOpened: true });
    });
    s.once("error", (e) => {
      clearTimeout(timer);
      resolve({ ok: false, why: `TLS with ${to.address}:${to.port} failed: ${e.message}`, tcpOpened });
    });
  });
}

/** STUN framed on a stream (TCP or TLS: messages back to back, each its header's length long). */
export class StunStream {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly waiters = new Map<string, (m: Decoded) => void>();
  /** Valid STUN messages received, answered or not. */
  received = 0;
  closed: string | undefined;
  private closeListeners: Array<() => void> = [];

  constructor(readonly socket: net.Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (;;) {
        const len = messageLength(this.buffer);
        if (len === undefined || this.buffer.length < len) return;
        const msg = decode(Buffer.from(this.buffer.subarray(0, len)));
        this.buffer = this.buffer.subarray(len);
        if (!msg) continue;
        this.received++;
        this.waiters.get(msg.transactionId.toString("hex"))?.(msg);
      }
    });
    const close = (why: string): void => {
      this.closed ??= why;
      for (const l of this.closeListeners) l();
    };
    socket.on("error", (e) => close(`error: ${e.message}`));
    socket.on("end", () => close("the server (or the path) ended the stream"));
    socket.on("close", () => close("closed"));
  }

  /** Writes a request and waits for the answer with its transaction id, the stream's end, or the timeout. */
  request(req: { bytes: Buffer; transactionId: Buffer }, timeoutMs: number): Promise<Decoded | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const key = req.transactionId.toString("hex");
      const done = (m: Decoded | undefined): void => {
        clearTimeout(timer);
        this.waiters.delete(key);
        this.closeListeners = this.closeListeners.filter((l) => l !== onClose);
        resolve(m);
      };
      const onClose = (): void => done(undefined);
      const timer = setTimeout(() => done(undefined), timeoutMs);
      this.waiters.set(key, done);
      this.closeListeners.push(onClose);
      this.socket.write(req.bytes);
    });
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program with a deadline; never throws (a missing program is code null with the reason). */
export function command(file: string, args: readonly string[], timeoutMs: number): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code as number) : null) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (err && code === null ? err.message : "") });
    });
  });
}
