import * as sdpTransform from "sdp-transform";
import type { BodyAndContentType, SessionDescriptionHandler } from "sip.js/lib/api/index.js";
import { answerDirection, type Direction, type HoldStyle, offerDirection, sdpAudio, sends } from "./hold.js";
import type { RtpSession } from "./rtp-session.js";

/** Remote media endpoint taken from an SDP answer or offer (connection line and first audio m= line). */
export function remoteAudioEndpoint(sdp: string): { address: string; port: number } {
  const parsed = sdpTransform.parse(sdp);
  const audio = parsed.media.find((m) => m.type === "audio");
  if (!audio) throw new Error("SDP has no m=audio line");
  const address = audio.connection?.ip ?? parsed.connection?.ip;
  if (!address) throw new Error("SDP has no c= line for audio");
  return { address, port: audio.port };
}

/**
 * `padding` bytes of extra attribute lines stand in for what makes real offers large (many codecs, ICE
 * candidates, SDES crypto lines, video): an INVITE big enough to be fragmented on a tunnel's path.
 */
export function buildOffer(
  address: string,
  port: number,
  sessionId: number,
  version: number,
  padding = 0,
  stream: { direction?: Direction; connection?: string } = {},
): string {
  const pad: Array<{ value: string }> = [];
  for (let left = padding, i = 0; left > 0; i++) {
    const value = `x-callpath-pad:${i} ${"x".repeat(Math.max(1, Math.min(60, left - 24)))}`;
    pad.push({ value });
    left -= value.length + 4;
  }
  return sdpTransform.write({
    version: 0,
    origin: { username: "-", sessionId, sessionVersion: version, netType: "IN", ipVer: 4, address },
    name: "callpath",
    connection: { version: 4, ip: stream.connection ?? address },
    timing: { start: 0, stop: 0 },
    media: [
      {
        type: "audio",
        port,
        protocol: "RTP/AVP",
        payloads: "0",
        rtp: [{ payload: 0, codec: "PCMU", rate: 8000 }],
        fmtp: [],
        ptime: 20,
        direction: stream.direction ?? "sendrecv",
        ...(pad.length > 0 ? { invalid: pad } : {}),
      },
    ],
  });
}

/**
 * sip.js's media hook for plain RTP: offers/answers one PCMU stream on the agent's RTP socket and points
 * that socket at whatever the far end's SDP names. sip.js drives it through offer/answer; the agent starts
 * media when the session is established.
 */
export class PlainRtpSessionDescriptionHandler implements SessionDescriptionHandler {
  private version = 0;
  private remoteSdp: string | undefined;
  private readonly sessionId = Math.floor(Math.random() * 1e9);
  /** The next offer puts the call on hold this way; null: it offers sendrecv (a resume). */
  hold: HoldStyle | null = null;
  /** Our side of the stream as the last description we gave states it. */
  private own: { direction: Direction; address: string } = { direction: "sendrecv", address: "" };
  /** An offer of ours awaits its answer; otherwise a description we are given is an offer. */
  private offering = false;
  /** The peer's offer is in and our answer not yet made. */
  private answerDue = false;

  constructor(
    private readonly rtp: RtpSession,
    private readonly advertisedAddress: string,
    private readonly padding = 0,
  ) {}

  async getDescription(): Promise<BodyAndContentType> {
    // An answer to the peer's offer (set just before), or an offer of our own (then setDescription answers it).
    const answering = !this.offering && this.remoteSdp !== undefined && this.answerDue;
    const direction = answering ? answerDirection(sdpAudio(this.remoteSdp!).direction) : offerDirection(this.hold);
    const connection = !answering && this.hold === "c=0.0.0.0" ? "0.0.0.0" : this.advertisedAddress;
    this.own = { direction, address: connection };
    if (answering) {
      this.answerDue = false;
      this.rtp.setSending(sends(this.own, sdpAudio(this.remoteSdp!)));
    } else this.offering = true;
    const body = buildOffer(this.advertisedAddress, this.rtp.port, this.sessionId, this.version++, this.padding, { direction, connection });
    return { body, contentType: "application/sdp" };
  }

  async setDescription(sdp: string): Promise<void> {
    const remote = remoteAudioEndpoint(sdp);
    this.remoteSdp = sdp;
    // c=0.0.0.0 asks for nothing: keep the last real target and send nothing (setSending below).
    if (remote.address !== "0.0.0.0") this.rtp.setRemote(remote.address, remote.port);
    if (this.offering) {
      this.offering = false;
      this.rtp.setSending(sends(this.own, sdpAudio(sdp)));
    } else this.answerDue = true;
  }

  hasDescription(contentType: string): boolean {
    return contentType === "application/sdp";
  }

  get remoteDescription(): string | undefined {
    return this.remoteSdp;
  }

  close(): void {
    this.rtp.close();
  }

  sendDtmf(): boolean {
    return false;
  }
}
