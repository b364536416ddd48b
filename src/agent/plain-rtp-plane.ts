import type { MediaFailureListener } from "./media-plane.js";
import type { Session } from "sip.js/lib/api/index.js";
import type { MediaPlane } from "./media-plane.js";
import { PlainRtpSessionDescriptionHandler } from "./plain-rtp-sdh.js";
import { RtpSession, type RtpSnapshot } from "./rtp-session.js";

export interface PlainRtpConfig {
  readonly address: string;
  readonly rtpPortBase: number;
  readonly toneHz: number;
  readonly latchMedia: boolean;
  /** Take RTP only from the address the far end's SDP names (a relay's strict-source). */
  readonly strictSource: boolean;
  /** No RTP received for this long on an established call → the outcome says no-media; null: never. */
  readonly rtpTimeoutMs: number | null;
  /** Bytes of extra SDP attributes in offers and answers (a large INVITE). */
  readonly sdpPadding: number;
}

/** One plain-RTP PCMU stream per call, on ports counted up from `rtpPortBase`. */
export class PlainRtpPlane implements MediaPlane {
  private nextPort: number;
  private spare: RtpSession | undefined;
  private readonly rtpOf = new WeakMap<Session, RtpSession>();
  private readonly open = new Set<RtpSession>();

  private readonly watchdogs = new WeakMap<Session, NodeJS.Timeout>();

  constructor(
    private readonly config: PlainRtpConfig,
    private readonly onFailure: MediaFailureListener,
  ) {
    this.nextPort = config.rtpPortBase;
  }

  makeHandler(session: Session): PlainRtpSessionDescriptionHandler {
    const rtp = this.spare;
    if (!rtp) throw new Error("no RTP socket prepared");
    this.spare = undefined;
    this.rtpOf.set(session, rtp);
    void this.prepare();
    return new PlainRtpSessionDescriptionHandler(rtp, this.config.address, this.config.sdpPadding);
  }

  /** Keeps one RTP socket open ahead of need, because sip.js creates handlers synchronously. */
  async prepare(): Promise<void> {
    if (this.spare) return;
    const port = this.nextPort;
    this.nextPort += 2;
    this.spare = await RtpSession.open(this.config.address, port, this.config.toneHz, this.config.latchMedia, this.config.strictSource);
    this.open.add(this.spare);
  }

  established(session: Session): void {
    const rtp = this.rtpOf.get(session);
    rtp?.start();
    const limit = this.config.rtpTimeoutMs;
    if (!rtp || limit === null) return;
    // A phone's RTP timeout: the clock restarts whenever a packet arrives.
    let last = rtp.snapshot().received.packets;
    let quietSince = Date.now();
    const timer = setInterval(() => {
      const now = rtp.snapshot().received.packets;
      if (now !== last) {
        last = now;
        quietSince = Date.now();
      } else if (Date.now() - quietSince >= limit) {
        clearInterval(timer);
        this.onFailure(session, "no-media", `no RTP received for ${limit / 1000} s (${now} packets in all)`);
      }
    }, 250);
    this.watchdogs.set(session, timer);
  }

  terminated(session: Session): void {
    clearInterval(this.watchdogs.get(session));
    this.rtpOf.get(session)?.stop();
  }

  async snapshot(session: Session): Promise<RtpSnapshot | undefined> {
    return this.rtpOf.get(session)?.snapshot();
  }

  async ice(): Promise<undefined> {
    return undefined;
  }

  close(): void {
    for (const rtp of this.open) rtp.close();
    this.open.clear();
  }
}
