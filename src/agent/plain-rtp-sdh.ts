import * as sdpTransform from "sdp-transform";
import type { BodyAndContentType, SessionDescriptionHandler } from "sip.js/lib/api/index.js";
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

export function buildOffer(address: string, port: number, sessionId: number, version: number): string {
  return sdpTransform.write({
    version: 0,
    origin: { username: "-", sessionId, sessionVersion: version, netType: "IN", ipVer: 4, address },
    name: "callpath",
    connection: { version: 4, ip: address },
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
        direction: "sendrecv",
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

  constructor(
    private readonly rtp: RtpSession,
    private readonly advertisedAddress: string,
  ) {}

  async getDescription(): Promise<BodyAndContentType> {
    return { body: buildOffer(this.advertisedAddress, this.rtp.port, this.sessionId, this.version++), contentType: "application/sdp" };
  }

  async setDescription(sdp: string): Promise<void> {
    const remote = remoteAudioEndpoint(sdp);
    this.remoteSdp = sdp;
    this.rtp.setRemote(remote.address, remote.port);
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
