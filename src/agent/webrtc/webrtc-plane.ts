import type { Session } from "sip.js/lib/api/index.js";
import { defaultSessionDescriptionHandlerFactory, type SessionDescriptionHandler } from "sip.js/lib/platform/web/index.js";
import type { IceReport, TurnTransport } from "../../calls/ice-report.js";
import type { MediaFailureListener, MediaPlane } from "../media-plane.js";
import type { RtpSnapshot } from "../rtp-session.js";
import { CallMedia, type IceSettings } from "./call-media.js";
import { TurnTlsBridge } from "./turn-tls-bridge.js";
import { installWebRtcGlobals } from "./wrtc.js";

/** The lab's TURN server as the agent reaches it. */
export interface TurnServerConfig {
  readonly address: string;
  readonly servername: string;
  readonly username: string;
  readonly password: string;
  readonly udpTcpPort: number;
  /** The TLS port the agent uses (443 or 5349). */
  readonly tlsPort: number;
}

export interface WebRtcConfig {
  /** The agent's own address. */
  readonly address: string;
  readonly toneHz: number;
  /** The lab CA (PEM): trusted for WSS and TURNS, nothing else is. */
  readonly ca: string;
  /** STUN server ("ip:port"), if any: srflx candidates. */
  readonly stun: string | null;
  readonly turn: TurnServerConfig | null;
  readonly turnTransports: readonly TurnTransport[];
  readonly iceTransportPolicy: "all" | "relay";
  readonly iceGatheringTimeoutMs: number;
  /** ICE checking longer than this fails the call (stage "ice"), as apps do. */
  readonly iceConnectTimeoutMs: number;
}

/** What a scenario may change between calls, as an app's settings would. */
export interface IcePolicy {
  readonly iceTransportPolicy?: "all" | "relay";
  readonly turnTransports?: readonly TurnTransport[];
}

/** WebRTC media through libwebrtc (@roamhq/wrtc): sip.js's own session description handler, observed. */
export class WebRtcPlane implements MediaPlane {
  private readonly media = new WeakMap<Session, CallMedia>();
  private readonly all = new Set<CallMedia>();
  private readonly descriptionErrors = new WeakMap<Session, string>();
  private bridge: TurnTlsBridge | undefined;
  private policy: Required<IcePolicy>;

  constructor(
    private readonly config: WebRtcConfig,
    private readonly onFailure: MediaFailureListener,
  ) {
    installWebRtcGlobals();
    this.policy = { iceTransportPolicy: config.iceTransportPolicy, turnTransports: config.turnTransports };
  }

  setPolicy(p: IcePolicy): Required<IcePolicy> {
    this.policy = { ...this.policy, ...p };
    return this.policy;
  }

  async prepare(): Promise<void> {
    const turn = this.config.turn;
    if (turn && this.policy.turnTransports.includes("tls") && !this.bridge) {
      this.bridge = await TurnTlsBridge.open({
        listen: this.config.address,
        host: turn.address,
        port: turn.tlsPort,
        servername: turn.servername,
        ca: this.config.ca,
      });
    }
  }

  makeHandler(session: Session): SessionDescriptionHandler {
    const settings = this.iceSettings();
    const media = new CallMedia(this.config.toneHz, settings, this.config.iceConnectTimeoutMs, (reason) => this.onFailure(session, "ice", reason));
    const factory = defaultSessionDescriptionHandlerFactory(async () => media.localStream() as never);
    const sdh = factory(session, {
      iceGatheringTimeout: this.config.iceGatheringTimeoutMs,
      // Never sip.js's default (a public STUN host): only the lab's servers. The bundle policy is the
      // browsers' default: with max-bundle, libwebrtc refuses an answer without a BUNDLE group, which is
      // what a media relay facing classic SIP (rtpengine) sends.
      peerConnectionConfiguration: { iceServers: settings.iceServers, iceTransportPolicy: settings.iceTransportPolicy, bundlePolicy: "balanced" },
    }) as SessionDescriptionHandler;
    media.attach(sdh as never);
    // libwebrtc's own words when a remote description is refused (a plain RTP/AVP answer to a WebRTC offer):
    // sip.js only ends the call, so the outcome would not say why.
    const setDescription = sdh.setDescription.bind(sdh);
    sdh.setDescription = async (...args: Parameters<SessionDescriptionHandler["setDescription"]>) => {
      try {
        return await setDescription(...args);
      } catch (e) {
        this.descriptionErrors.set(session, (e as Error).message);
        throw e;
      }
    };
    this.media.set(session, media);
    this.all.add(media);
    return sdh;
  }

  established(): void {}

  terminated(session: Session): void {
    void this.media.get(session)?.close();
  }

  async snapshot(session: Session): Promise<RtpSnapshot | undefined> {
    return this.media.get(session)?.snapshot();
  }

  async ice(session: Session): Promise<IceReport | undefined> {
    return this.media.get(session)?.report();
  }

  descriptionError(session: Session): string | undefined {
    return this.descriptionErrors.get(session);
  }

  close(): void {
    for (const m of this.all) void m.close();
    this.bridge?.close();
  }

  private iceSettings(): IceSettings {
    const servers: RTCIceServer[] = [];
    const reported: string[] = [];
    const bridged = new Map<string, string>();
    if (this.config.stun) {
      servers.push({ urls: `stun:${this.config.stun}` });
      reported.push(`stun:${this.config.stun}`);
    }
    const turn = this.config.turn;
    if (turn) {
      const cred = { username: turn.username, credential: turn.password };
      for (const t of this.policy.turnTransports) {
        if (t === "tls") {
          if (!this.bridge) throw new Error("TURN over TLS requested but the TLS bridge was not prepared");
          servers.push({ urls: this.bridge.localUrl, ...cred });
          reported.push(this.bridge.realUrl);
          bridged.set(this.bridge.localUrl, this.bridge.realUrl);
        } else {
          const url = `turn:${turn.address}:${turn.udpTcpPort}?transport=${t}`;
          servers.push({ urls: url, ...cred });
          reported.push(url);
        }
      }
    }
    return { iceServers: servers, iceTransportPolicy: this.policy.iceTransportPolicy, reportedServers: reported, bridged };
  }
}
