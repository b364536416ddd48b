// RFC 3261 §17 retransmission timers that sip.js leaves to the transport: A and E (client requests)
// and G (an INVITE server transaction's non-2xx final response). Timeouts (B, F, H) stay in sip.js.
export const T1 = 500;
export const T2 = 4000;

export interface Retransmittable {
  /** Transaction key: top Via branch plus the CSeq method (ACK to a non-2xx shares the INVITE's). */
  readonly key: string;
  readonly kind: "invite-request" | "non-invite-request" | "invite-error-response";
  resend(): void;
}

interface Pending {
  readonly item: Retransmittable;
  interval: number;
  timer: NodeJS.Timeout;
  readonly deadline: number;
}

export class Retransmitter {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  /** Starts the timer for a message just sent for the first time. */
  track(item: Retransmittable): void {
    this.stop(item.key);
    const p: Pending = { item, interval: T1, deadline: this.now() + 64 * T1, timer: setTimeout(() => this.fire(item.key), T1) };
    this.pending.set(item.key, p);
  }

  /**
   * A response arrived for a client transaction. Any response ends Timer A; a provisional response moves
   * Timer E to T2 (§17.1.2.2); a final response ends it.
   */
  onResponse(key: string, status: number): void {
    const p = this.pending.get(key);
    if (!p) return;
    if (p.item.kind === "non-invite-request" && status < 200) {
      p.interval = T2;
      return;
    }
    this.stop(key);
  }

  /** The ACK for a non-2xx final response arrived: Timer G stops (§17.2.1). */
  onAck(key: string): void {
    if (this.pending.get(key)?.item.kind === "invite-error-response") this.stop(key);
  }

  stop(key: string): void {
    const p = this.pending.get(key);
    if (p) clearTimeout(p.timer);
    this.pending.delete(key);
  }

  stopAll(): void {
    for (const key of [...this.pending.keys()]) this.stop(key);
  }

  get size(): number {
    return this.pending.size;
  }

  private fire(key: string): void {
    const p = this.pending.get(key);
    if (!p) return;
    if (this.now() >= p.deadline) {
      this.stop(key);
      return;
    }
    p.item.resend();
    // INVITE requests double without a cap (Timer A); the others cap at T2 (Timers E and G).
    p.interval = p.item.kind === "invite-request" ? p.interval * 2 : Math.min(p.interval * 2, T2);
    p.timer = setTimeout(() => this.fire(key), p.interval);
  }
}
