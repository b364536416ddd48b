import type { Session } from "sip.js/lib/api/index.js";
import type { MediaPlane } from "./media-plane.js";
import { PlainRtpSessionDescriptionHandler } from "./plain-rtp-sdh.js";
import { RtpSession, type RtpSnapshot } from "./rtp-session.js";

export interface PlainRtpConfig {
  readonly address: string;
  readonly rtpPortBase: number;
  readonly toneHz: number;
  readonly latchMedia: boolean;
}

/** One plain-RTP PCMU stream per call, on ports counted up from `rtpPortBase`. */
export class PlainRtpPlane implements MediaPlane {
  private nextPort: number;
  private spare: RtpSession | undefined;
  private readonly rtpOf = new WeakMap<Session, RtpSession>();
  private readonly open = new Set<RtpSession>();

  constructor(private readonly config: PlainRtpConfig) {
    this.nextPort = config.rtpPortBase;
  }

  makeHandler(session: Session): PlainRtpSessionDescriptionHandler {
    const rtp = this.spare;
    if (!rtp) throw new Error("no RTP socket prepared");
    this.spare = undefined;
    this.rtpOf.set(session, rtp);
    void this.prepare();
    return new PlainRtpSessionDescriptionHandler(rtp, this.config.address);
  }

  /** Keeps one RTP socket open ahead of need, because sip.js creates handlers synchronously. */
  async prepare(): Promise<void> {
    if (this.spare) return;
    const port = this.nextPort;
    this.nextPort += 2;
    this.spare = await RtpSession.open(this.config.address, port, this.config.toneHz, this.config.latchMedia);
    this.open.add(this.spare);
  }

  established(session: Session): void {
    this.rtpOf.get(session)?.start();
  }

  terminated(session: Session): void {
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
