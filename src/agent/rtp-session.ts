import dgram from "node:dgram";
import { randomInt } from "node:crypto";
import { linearToMulaw, mulawToLinear } from "./g711.js";
import { decodeRtp, encodeRtp } from "./rtp-packet.js";
import { ReceiverStats, type ReceiverSnapshot } from "./rtp-receiver-stats.js";
import { detectTone, SAMPLE_RATE, toneSamples, type DetectedSignal } from "./tone.js";

const PCMU = 0;
const PTIME_MS = 20;
const SAMPLES_PER_PACKET = (SAMPLE_RATE * PTIME_MS) / 1000;

export interface RtpSnapshot {
  readonly local: string;
  readonly remote: string | null;
  /** Set when latching moved the send target to where the far end's RTP really comes from. */
  readonly latchedFrom: string | null;
  /** RTP packets dropped because they came from another address than the signalling named (strictSource). */
  readonly strictDrops?: number;
  readonly sent: number;
  readonly received: ReceiverSnapshot;
  /** The tone found in the last second of received audio. */
  readonly signal: DetectedSignal;
  /**
   * When the snapshot was taken, on the agent's own monotonic clock (ms): a media check's window runs from
   * one snapshot to the next as the receiver saw it, not as long as the control round trips took.
   */
  readonly atMs: number;
}

/**
 * One plain-RTP audio stream (PCMU, 20 ms) carrying a sine at `toneHz`, and its receiver.
 * Symmetric by design: it sends from the port it receives on, as RFC 4961 asks, so NAT pinholes open both ways.
 */
export class RtpSession {
  private remote: { address: string; port: number } | null = null;
  private latchedFrom: string | null = null;
  private latched = false;
  /** The address the far end's SDP named: with strictSource, the only one media is taken from. */
  private signalled: string | null = null;
  private strictDrops = 0;
  private timer: NodeJS.Timeout | undefined;
  private sent = 0;
  /** 20 ms slots since start: pacing and the RTP clock run on through a hold; `sent` counts what left. */
  private ticks = 0;
  private muted = false;
  private talkspurt = true;
  private readonly ssrc = randomInt(2 ** 32 - 1);
  private readonly seq0 = randomInt(0xffff);
  private readonly ts0 = randomInt(2 ** 32 - 1);
  private readonly stats = new ReceiverStats(SAMPLE_RATE);
  private readonly recent = new Float64Array(SAMPLE_RATE);
  private recentWrite = 0;
  private readonly t0 = performance.now();

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly localAddress: string,
    readonly port: number,
    private readonly toneHz: number,
    private readonly latch: boolean,
    private readonly strictSource: boolean,
  ) {
    socket.on("message", (msg, rinfo) => this.onPacket(msg, `${rinfo.address}:${rinfo.port}`, rinfo));
  }

  /**
   * `latch`: symmetric-RTP latching as media relays and SBCs do it (rtpengine, "comedia"): once RTP
   * arrives, send to the address it comes from instead of the one the SDP named, and keep doing so when a
   * re-INVITE names another. Lets a public endpoint reach a NATed one whose mapping differs from its SDP.
   * `strictSource`: like rtpengine's strict-source, RTP from any address but the one the signalling named
   * is dropped (latching may still follow a changed port on that address).
   */
  static async open(address: string, port: number, toneHz: number, latch = false, strictSource = false): Promise<RtpSession> {
    const socket = dgram.createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(port, address, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    // A send to an unreachable peer surfaces as an async ICMP error: it is loss, not a crash.
    socket.on("error", () => undefined);
    return new RtpSession(socket, address, socket.address().port, toneHz, latch, strictSource);
  }

  /** The SDP's target. A latching endpoint that already hears the far end keeps sending where it hears it from. */
  setRemote(address: string, port: number): void {
    this.signalled = address;
    if (this.latch && this.latched) return;
    this.remote = { address, port };
  }

  /** Starts sending one packet every 20 ms, paced against the clock so timer drift does not accumulate. */
  start(): void {
    if (this.timer) return;
    const startedAt = performance.now();
    const tick = (): void => {
      const due = Math.floor((performance.now() - startedAt) / PTIME_MS) + 1;
      while (this.ticks < due) this.sendOne();
      this.timer = setTimeout(tick, Math.max(0, startedAt + this.ticks * PTIME_MS - performance.now()));
    };
    this.sendOne();
    this.timer = setTimeout(tick, PTIME_MS);
  }

  /**
   * Whether audio leaves at all: off while the call is on hold (a sendonly hold's far end, an inactive
   * stream, a peer at c=0.0.0.0). The clock runs on, so the first packet after a resume carries the
   * marker bit and a timestamp that jumped by the silence, as RFC 3550 has it; sequence numbers do not jump.
   */
  setSending(on: boolean): void {
    if (on && this.muted) this.talkspurt = true;
    this.muted = !on;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  close(): void {
    this.stop();
    this.socket.close();
  }

  snapshot(): RtpSnapshot {
    const ordered = new Float64Array(this.recent.length);
    ordered.set(this.recent.subarray(this.recentWrite));
    ordered.set(this.recent.subarray(0, this.recentWrite), this.recent.length - this.recentWrite);
    return {
      local: `${this.localAddress}:${this.port}`,
      remote: this.remote ? `${this.remote.address}:${this.remote.port}` : null,
      latchedFrom: this.latchedFrom,
      strictDrops: this.strictDrops,
      sent: this.sent,
      received: this.stats.snapshot(),
      signal: detectTone(ordered),
      atMs: performance.now(),
    };
  }

  private sendOne(): void {
    const t = this.ticks++;
    if (this.muted) return;
    const n = this.sent;
    const samples = toneSamples(this.toneHz, t * SAMPLES_PER_PACKET, SAMPLES_PER_PACKET);
    const payload = new Uint8Array(SAMPLES_PER_PACKET);
    for (let i = 0; i < payload.length; i++) payload[i] = linearToMulaw(samples[i]!);
    const packet = encodeRtp(
      { payloadType: PCMU, marker: this.talkspurt, sequence: (this.seq0 + n) & 0xffff, timestamp: (this.ts0 + t * SAMPLES_PER_PACKET) >>> 0, ssrc: this.ssrc },
      payload,
    );
    this.talkspurt = false;
    this.sent++;
    if (this.remote) this.socket.send(packet, this.remote.port, this.remote.address);
  }

  private onPacket(msg: Buffer, source: string, rinfo: { address: string; port: number }): void {
    const rtp = decodeRtp(msg);
    if (!rtp || rtp.header.payloadType !== PCMU) return;
    if (this.strictSource && this.signalled !== null && rinfo.address !== this.signalled) {
      this.strictDrops++;
      return;
    }
    // Symmetric RTP (RFC 4961): always send to where the far end's RTP comes from, whatever an SDP
    // (first or re-INVITE) named, as media relays do.
    const target = this.remote ? `${this.remote.address}:${this.remote.port}` : null;
    if (this.latch && target !== source) {
      if (!this.latched) this.latchedFrom = target;
      this.remote = { address: rinfo.address, port: rinfo.port };
    }
    if (this.latch) this.latched = true;
    this.stats.record(rtp.header.sequence, rtp.header.timestamp, performance.now() - this.t0, source);
    for (const byte of rtp.payload) {
      this.recent[this.recentWrite] = mulawToLinear(byte);
      this.recentWrite = (this.recentWrite + 1) % this.recent.length;
    }
  }
}
