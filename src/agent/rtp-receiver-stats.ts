// Receiver-side statistics as RFC 3550 (appendix A.1, A.3, A.8) defines them.
export interface ReceiverSnapshot {
  /** Packets received (duplicates included, as RFC 3550 counts them). */
  readonly packets: number;
  /** Extended highest sequence number seen; null before the first packet. */
  readonly highestSeq: number | null;
  /** Extended first sequence number; `expected = highestSeq - firstSeq + 1`. */
  readonly firstSeq: number | null;
  /** Interarrival jitter in milliseconds. */
  readonly jitterMs: number;
  /** Milliseconds since the session started, of the first and last packet. */
  readonly firstAtMs: number | null;
  readonly lastAtMs: number | null;
  /** Where the packets came from ("ip:port"), the last source seen. */
  readonly source: string | null;
}

export class ReceiverStats {
  private packets = 0;
  private firstSeq: number | null = null;
  private highest: number | null = null;
  private jitter = 0; // in RTP timestamp units
  private lastTransit: number | null = null;
  private firstAt: number | null = null;
  private lastAt: number | null = null;
  private source: string | null = null;

  constructor(private readonly clockRate: number) {}

  /** Records one packet: `arrivalMs` is the local clock, `timestamp` the packet's RTP timestamp. */
  record(sequence: number, timestamp: number, arrivalMs: number, source: string): void {
    this.packets++;
    this.source = source;
    this.firstAt ??= arrivalMs;
    this.lastAt = arrivalMs;
    if (this.highest === null) {
      this.firstSeq = this.highest = sequence;
    } else {
      // Extend the 16-bit sequence to the candidate closest to the highest seen (handles wrap).
      const cycle = this.highest - (this.highest & 0xffff);
      let ext = cycle + sequence;
      if (ext - this.highest > 0x8000) ext -= 0x10000;
      else if (this.highest - ext > 0x8000) ext += 0x10000;
      if (ext > this.highest) this.highest = ext;
    }
    const transit = (arrivalMs * this.clockRate) / 1000 - timestamp;
    if (this.lastTransit !== null) {
      let d = transit - this.lastTransit;
      // RTP timestamps are 32-bit: fold a wrapped difference back into range.
      if (d > 2 ** 31) d -= 2 ** 32;
      else if (d < -(2 ** 31)) d += 2 ** 32;
      this.jitter += (Math.abs(d) - this.jitter) / 16;
    }
    this.lastTransit = transit;
  }

  snapshot(): ReceiverSnapshot {
    return {
      packets: this.packets,
      highestSeq: this.highest,
      firstSeq: this.firstSeq,
      jitterMs: (this.jitter * 1000) / this.clockRate,
      firstAtMs: this.firstAt,
      lastAtMs: this.lastAt,
      source: this.source,
    };
  }
}

/** Loss between two snapshots of the same stream, the way RFC 3550 A.3 counts it. */
export function lossBetween(a: ReceiverSnapshot, b: ReceiverSnapshot): { expected: number; received: number; lost: number; ratio: number } {
  const hiA = a.highestSeq ?? (b.firstSeq === null ? 0 : b.firstSeq - 1);
  const expected = b.highestSeq === null ? 0 : b.highestSeq - hiA;
  const received = b.packets - a.packets;
  const lost = Math.max(0, expected - received);
  return { expected, received, lost, ratio: expected > 0 ? lost / expected : 0 };
}
