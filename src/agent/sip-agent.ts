import { Invitation, Inviter, Registerer, RegistererState, SessionState, UserAgent, type Session, type UserAgentOptions } from "sip.js/lib/api/index.js";
import type { IncomingResponseMessage } from "sip.js/lib/core/index.js";
import type { IceReport } from "../calls/ice-report.js";
import type { CallOutcome, FailedStage, RegistrationOutcome } from "../calls/outcome.js";
import type { MediaFailureListener, MediaPlane } from "./media-plane.js";
import { PlainRtpPlane, type PlainRtpConfig } from "./plain-rtp-plane.js";
import type { RtpSnapshot } from "./rtp-session.js";
import type { SipTraceEntry } from "./sip-trace.js";
import { probeInvite } from "./mirror-probe.js";
import type { HoldStyle } from "./hold.js";
import { PlainRtpSessionDescriptionHandler } from "./plain-rtp-sdh.js";
import { inviteTransactionsSettled, REINVITE_ATTEMPTS, reinviteRetryDelayMs } from "./reinvite.js";
import { splitHostPort } from "./via.js";
import { type KeepaliveKind, type KeepaliveStats, type KeepaliveTracker, registeredFrom } from "./keepalive.js";
import { StreamTransport } from "./stream-transport.js";
import { UdpTransport } from "./udp-transport.js";
import { WebRtcPlane, type IcePolicy, type WebRtcConfig } from "./webrtc/webrtc-plane.js";
import { installWebSocket, TracedWebSocketTransport } from "./ws-transport.js";

/** SIP over UDP from a fixed address and port, every out-of-dialog request through the proxy. */
export interface UdpSignalling {
  readonly transport: "udp";
  /** The proxy/registrar every out-of-dialog request is sent to ("ip:port"). */
  readonly proxy: string;
  readonly address: string;
  readonly port: number;
  /** Keep-alives to the proxy this often (ms); null sends none. */
  readonly keepaliveMs: number | null;
  readonly keepaliveKind: KeepaliveKind;
}

/** SIP over TCP or TLS: one connection to the proxy, kept open; the phone still sends plain RTP. */
export interface StreamSignalling {
  readonly transport: "tcp" | "tls";
  /** The proxy, "ip:port". */
  readonly proxy: string;
  readonly address: string;
  /** TLS: the lab CA and the name in the server's certificate. */
  readonly ca?: string;
  readonly servername?: string;
}

/** SIP over WebSocket (RFC 7118), as WebRTC clients do it. */
export interface WebSocketSignalling {
  readonly transport: "ws" | "wss";
  readonly url: string;
  /** The name the server's certificate must carry (WSS). */
  readonly servername: string;
  readonly ca: string;
}

export interface AgentConfig {
  readonly name: string;
  /** SIP user part and domain of this agent's address of record. */
  readonly user: string;
  readonly domain: string;
  readonly signalling: UdpSignalling | StreamSignalling | WebSocketSignalling;
  readonly media: ({ readonly kind: "rtp" } & PlainRtpConfig) | ({ readonly kind: "webrtc" } & WebRtcConfig);
  /** Answer incoming calls automatically after this many ms; null leaves them ringing. */
  readonly autoAnswerMs: number | null;
}

/** How long a client keeps trying to reach its SIP server at start. */
const START_RETRY_MS = 10_000;
/** When a registration is refreshed, in percent of the time the registrar granted. */
const REFRESH_PERCENT = 90;

/** sip.js options for the agent's signalling: the transport class and how Via, Contact and Route read. */
function transportOptions(sig: AgentConfig["signalling"], onTrace: (e: SipTraceEntry) => void): Partial<UserAgentOptions> {
  if (sig.transport === "udp") {
    return {
      viaHost: sig.address,
      contactParams: { transport: "udp" },
      forceRport: true,
      preloadedRouteSet: [`<sip:${sig.proxy};lr>`],
      transportConstructor: UdpTransport as never,
      transportOptions: { address: sig.address, port: sig.port, onTrace },
    };
  }
  if (!("url" in sig)) {
    const { host, port } = splitHostPort(sig.proxy);
    return {
      viaHost: sig.address,
      contactParams: { transport: sig.transport },
      preloadedRouteSet: [`<sip:${sig.proxy};transport=${sig.transport};lr>`],
      transportConstructor: StreamTransport as never,
      transportOptions: { protocol: sig.transport.toUpperCase(), host, port, ca: sig.ca, servername: sig.servername, onTrace },
    };
  }
  installWebSocket({ ca: sig.ca, servername: sig.servername });
  return { transportConstructor: TracedWebSocketTransport as never, transportOptions: { server: sig.url, onTrace } };
}

interface CallRecord {
  outcome: Mutable<CallOutcome>;
  session: Session;
}
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A SIP user agent on sip.js: SIP over UDP with plain RTP, or SIP over WebSocket with WebRTC media. */
export class SipAgent {
  private readonly trace: SipTraceEntry[] = [];
  private readonly calls: CallRecord[] = [];
  private readonly ua: UserAgent;
  private readonly plane: MediaPlane;
  private registerer: Registerer | undefined;
  private keepalive: KeepaliveTracker | undefined;

  constructor(private readonly config: AgentConfig) {
    const onTrace = (e: SipTraceEntry): void => {
      this.trace.push(e);
      // Keep-alive answers are compared with where the registrar last saw us come from.
      const from = e.direction === "received" && this.keepalive ? registeredFrom(e.raw) : null;
      if (from) this.keepalive?.registeredAs(from);
    };
    const onMediaFailure: MediaFailureListener = (session, stage, reason) => {
      const record = this.calls.find((c) => c.session === session);
      if (record) this.fail(record, record.outcome.finalStatus, reason, stage, true);
    };
    this.plane = config.media.kind === "rtp" ? new PlainRtpPlane(config.media, onMediaFailure) : new WebRtcPlane(config.media, onMediaFailure);
    const sig = config.signalling;
    const transport = transportOptions(sig, onTrace);
    this.ua = new UserAgent({
      ...transport,
      uri: UserAgent.makeURI(`sip:${config.user}@${config.domain}`),
      contactName: config.user,
      sessionDescriptionHandlerFactory: (session: Session) => this.plane.makeHandler(session),
      logBuiltinEnabled: false,
      logLevel: "warn",
      // stdout carries the control protocol: sip.js's own diagnostics go to stderr.
      logConnector: (level, category, _label, content) => {
        if (level === "warn" || level === "error") process.stderr.write(`[${config.name}] sip.js ${level} ${category}: ${content}\n`);
      },
      noAnswerTimeout: 60,
      delegate: { onInvite: (invitation) => this.onInvite(invitation) },
    });
    // sip.js leaves the Contact port out; the ALG and registrar match on it, so state it.
    if (sig.transport === "udp") this.ua.contact.uri.port = sig.port;
  }

  async start(): Promise<void> {
    await this.startTransport(START_RETRY_MS);
    const sig = this.config.signalling;
    // The connection's own port, which the server will see (before any NAT): name it in Contact.
    if (this.ua.transport instanceof StreamTransport) this.ua.contact.uri.port = this.ua.transport.localPort;
    if (sig.transport === "udp" && sig.keepaliveMs) {
      const target = { user: this.config.user, domain: this.config.domain, address: sig.address, port: sig.port, proxy: splitHostPort(sig.proxy) };
      this.keepalive = this.udpTransport().startKeepalive(sig.keepaliveKind, target, sig.keepaliveMs, (publicAddress) => this.reRegister(publicAddress));
    }
  }

  /**
   * The lab starts an agent once its server is ready, but a server can still be slow to accept (or
   * restart): a connection-oriented client (WS, WSS, TCP, TLS) keeps knocking for a while, as real clients
   * reconnect. Resilience only, not the start order. sip.js marks the user
   * agent started even when the first connect fails, so later attempts go to the transport itself.
   */
  private async startTransport(patienceMs: number): Promise<void> {
    const deadline = Date.now() + patienceMs;
    try {
      await this.ua.start();
      return;
    } catch (e) {
      if (this.config.signalling.transport === "udp") throw e;
      for (;;) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 250));
        try {
          await this.ua.transport.connect();
          return;
        } catch {
          // not listening yet
        }
      }
    }
  }

  private udpTransport(): UdpTransport {
    const t = this.ua.transport;
    if (!(t instanceof UdpTransport)) throw new Error(`${this.config.name} does not speak SIP over UDP`);
    return t;
  }

  /** Sends a probe INVITE to a SIP mirror and returns what was sent and what the mirror saw arrive. */
  async probe(mirror: string, timeoutMs = 4000): Promise<{ sent: string; response: string | null }> {
    const sig = this.config.signalling;
    const media = this.config.media;
    if (sig.transport !== "udp" || media.kind !== "rtp") throw new Error(`${this.config.name} is not a SIP/UDP phone: only those can probe a SIP mirror`);
    const { message, branch } = probeInvite({
      user: this.config.user,
      domain: this.config.domain,
      address: sig.address,
      port: sig.port,
      rtpPort: media.rtpPortBase,
      mirror,
    });
    const [host, port] = mirror.split(":");
    const response = await this.udpTransport().probe(message, branch, host!, Number(port), timeoutMs);
    return { sent: message, response };
  }

  /**
   * Re-INVITEs an established call with a fresh offer (a session refresh, or a resume after hold), on
   * either side of the call and over any transport. Each attempt first waits for any INVITE transaction on
   * the call to finish (the ACK of a call we answered, or of a re-INVITE the far end sent); a refusal
   * because the far end was busy with one of its own (491, 500 Retry-After) is retried (see reinvite.ts).
   */
  async reinvite(callId?: string): Promise<void> {
    const c = this.calls.find((x) => (!callId || x.outcome.callId === callId) && x.session.state === SessionState.Established);
    if (!c) throw new Error(`${this.config.name} has no established call${callId ? ` ${callId}` : ""} to re-INVITE`);
    for (let attempt = 1; ; attempt++) {
      await inviteTransactionsSettled(c.session);
      const refused = await this.sendReinvite(c.session);
      if (!refused) return;
      const status = refused.statusCode ?? 0;
      const delay = reinviteRetryDelayMs(status, refused.getHeader("Retry-After"), c.session instanceof Inviter);
      if (delay === null || attempt >= REINVITE_ATTEMPTS) throw new Error(`re-INVITE rejected: ${status} ${refused.reasonPhrase ?? ""}`.trim());
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  /**
   * Puts an established call on hold (`style`) or, with null, resumes it: a re-INVITE whose offer says so.
   * A classic phone only: a WebRTC agent's hold is its browser's business.
   */
  async hold(style: HoldStyle | null, callId?: string): Promise<void> {
    const c = this.calls.find((x) => (!callId || x.outcome.callId === callId) && x.session.state === SessionState.Established);
    if (!c) throw new Error(`${this.config.name} has no established call${callId ? ` ${callId}` : ""} to ${style ? "hold" : "resume"}`);
    const sdh = c.session.sessionDescriptionHandler;
    if (!(sdh instanceof PlainRtpSessionDescriptionHandler)) throw new Error(`${this.config.name} is not a classic phone: only its calls can be held here`);
    const before = sdh.hold;
    sdh.hold = style;
    try {
      await this.reinvite(c.outcome.callId);
    } catch (e) {
      sdh.hold = before;
      throw e;
    }
  }

  /** One re-INVITE: resolves with nothing once it is accepted, or with the final response that refused it. */
  private sendReinvite(session: Session): Promise<IncomingResponseMessage | undefined> {
    return new Promise((resolve, reject) => {
      // sip.js settles neither delegate when the call ends under a pending re-INVITE (a BYE crossed it).
      const ended = (s: SessionState): void => {
        if (s === SessionState.Terminated) reject(new Error("the call ended during the re-INVITE"));
      };
      session.stateChange.addListener(ended);
      const settle = (refused: IncomingResponseMessage | undefined): void => {
        session.stateChange.removeListener(ended);
        resolve(refused);
      };
      session.invite({ requestDelegate: { onAccept: () => settle(undefined), onReject: (r) => settle(r.message) } }).catch((e: Error) => {
        session.stateChange.removeListener(ended);
        reject(e);
      });
    });
  }

  async stop(): Promise<void> {
    this.plane.close();
    await this.ua.stop().catch(() => undefined);
  }

  /** Media must be ready before sip.js asks for a handler (it asks synchronously). */
  prepareMedia(): Promise<void> {
    return this.plane.prepare();
  }

  setIcePolicy(policy: IcePolicy): unknown {
    if (!(this.plane instanceof WebRtcPlane)) throw new Error(`${this.config.name} is not a WebRTC agent: it has no ICE to configure`);
    return this.plane.setPolicy(policy);
  }

  register(expires: number): Promise<RegistrationOutcome> {
    const started = Date.now();
    // Refresh at 90 % of the granted time, as phones commonly do: sip.js's default (99 %) leaves 80 ms of an
    // 8-second registration, and a refresh that late on a loaded host arrives after the binding expired.
    this.registerer ??= new Registerer(this.ua, { expires, refreshFrequency: REFRESH_PERCENT, registrar: UserAgent.makeURI(`sip:${this.config.domain}`) });
    const registerer = this.registerer;
    return new Promise((resolve) => {
      let settled = false;
      const done = (status: number | null, reason: string | null, failedStage: FailedStage | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(guard);
        resolve({ registered: failedStage === null, status, reason, failedStage, durationMs: Date.now() - started });
      };
      // sip.js drops a 2xx whose Contacts do not name it ("No Contact header pointing to us") without
      // settling the request: past Timer F (32 s) the registration has failed either way.
      const guard = setTimeout(() => done(null, "no usable final response to the REGISTER", "timeout"), 34_000);
      registerer
        .register({
          requestDelegate: {
            onAccept: (r) => done(r.message.statusCode ?? null, r.message.reasonPhrase ?? null, null),
            onReject: (r) => {
              const statusCode = r.message.statusCode ?? null;
              // sip.js turns Timer F into a synthetic 408 with no wire message behind it.
              const noResponse = statusCode === 408 && this.responsesOnWire("REGISTER", (e) => e.at >= started).length === 0;
              done(noResponse ? null : statusCode, r.message.reasonPhrase ?? null, noResponse ? "no-response" : "rejected");
            },
          },
        })
        .catch((e: Error) => done(null, e.message, "transport"));
    });
  }

  /**
   * A keep-alive's answer says the NAT maps us elsewhere now (a router that rebooted): the registrar's
   * binding names a mapping that is gone, so register again at once over the new one (RFC 5626 §4.4.1).
   */
  private reRegister(publicAddress: string): void {
    const registerer = this.registerer;
    if (!registerer || registerer.state !== RegistererState.Registered) return;
    process.stderr.write(`[${this.config.name}] public address now ${publicAddress}: registering again\n`);
    registerer.register().catch((e: Error) => process.stderr.write(`[${this.config.name}] re-registration failed: ${e.message}\n`));
  }

  /** What the keep-alives learnt; null when the agent sends none. */
  get keepaliveStats(): KeepaliveStats | null {
    return this.keepalive?.stats() ?? null;
  }

  get registrationState(): string {
    return this.registerer?.state ?? RegistererState.Initial;
  }

  /** Places a call and resolves once it is established or has failed. */
  call(target: string, timeoutMs: number): Promise<CallOutcome> {
    const uri = UserAgent.makeURI(target.includes("@") ? `sip:${target}` : `sip:${target}@${this.config.domain}`);
    if (!uri) return Promise.reject(new Error(`invalid call target "${target}"`));
    const inviter = new Inviter(this.ua, uri);
    const record = this.track(inviter, "outgoing", uri.toString());
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (!record.outcome.established) {
          this.fail(record, null, "no final answer in time", "timeout");
          void inviter.cancel().catch(() => undefined);
        }
        resolve({ ...record.outcome });
      }, timeoutMs);
      // How a call that ends unestablished failed is read off the wire: sip.js moves the session to
      // Terminated before its onReject delegate runs, and reports Timer B as a 408 no peer ever sent.
      const settle = (): void => {
        clearTimeout(timer);
        if (!record.outcome.established) this.failFromTrace(record);
        resolve({ ...record.outcome });
      };
      inviter.stateChange.addListener((s) => {
        if (s === SessionState.Established || s === SessionState.Terminated) settle();
      });
      inviter.invite().catch((e: Error) => {
        this.fail(record, null, e.message, "transport");
        settle();
      });
    });
  }

  async hangup(callId?: string): Promise<void> {
    for (const c of this.calls) {
      if (callId && c.outcome.callId !== callId) continue;
      if (c.session.state === SessionState.Established) {
        c.outcome.endedBy = "local";
        await c.session.bye();
      } else if (c.session instanceof Inviter && c.session.state === SessionState.Establishing) {
        await c.session.cancel();
      }
    }
  }

  async answer(callId?: string): Promise<void> {
    for (const c of this.calls) {
      if (callId && c.outcome.callId !== callId) continue;
      if (c.session instanceof Invitation && c.session.state === SessionState.Initial) await c.session.accept();
    }
  }

  outcomes(): CallOutcome[] {
    return this.calls.map((c) => ({ ...c.outcome }));
  }

  async media(): Promise<Array<{ callId: string; rtp: RtpSnapshot }>> {
    const all = await Promise.all(this.calls.map(async (c) => ({ callId: c.outcome.callId, rtp: await this.plane.snapshot(c.session) })));
    return all.filter((m): m is { callId: string; rtp: RtpSnapshot } => m.rtp !== undefined);
  }

  async ice(callId?: string): Promise<Array<{ callId: string; ice: IceReport }>> {
    const all = await Promise.all(
      this.calls.filter((c) => !callId || c.outcome.callId === callId).map(async (c) => ({ callId: c.outcome.callId, ice: await this.plane.ice(c.session) })),
    );
    return all.filter((m): m is { callId: string; ice: IceReport } => m.ice !== undefined);
  }

  sipTrace(callId?: string): SipTraceEntry[] {
    return callId ? this.trace.filter((e) => e.callId === callId) : [...this.trace];
  }

  private onInvite(invitation: Invitation): void {
    const record = this.track(invitation, "incoming", invitation.remoteIdentity.uri.toString());
    if (this.config.autoAnswerMs !== null) {
      setTimeout(() => void invitation.accept().catch((e: Error) => this.fail(record, null, e.message, "transport")), this.config.autoAnswerMs);
    }
  }

  private track(session: Session, direction: CallOutcome["direction"], remote: string): CallRecord {
    const record: CallRecord = {
      session,
      outcome: {
        callId: session instanceof Inviter ? session.request.callId : (session as Invitation).request.callId,
        direction,
        local: `sip:${this.config.user}@${this.config.domain}`,
        remote,
        established: false,
        setupMs: null,
        finalStatus: null,
        reason: null,
        failedStage: null,
        endedBy: null,
        startedAt: Date.now(),
        endedAt: null,
      },
    };
    session.stateChange.addListener((s) => {
      if (s === SessionState.Established) {
        record.outcome.established = true;
        record.outcome.finalStatus ??= 200;
        record.outcome.setupMs = Date.now() - record.outcome.startedAt;
        this.plane.established(session);
      } else if (s === SessionState.Terminated) {
        record.outcome.endedAt = Date.now();
        if (record.outcome.established) record.outcome.endedBy ??= "remote";
        this.plane.terminated(session);
      }
    });
    this.calls.push(record);
    return record;
  }

  /** `afterEstablished`: media failed on a call whose signalling succeeded (ICE, or no RTP). */
  private fail(record: CallRecord, status: number | null, reason: string | null, stage: FailedStage, afterEstablished = false): void {
    if ((record.outcome.established && !afterEstablished) || record.outcome.failedStage) return;
    record.outcome.finalStatus = status;
    record.outcome.reason = reason;
    record.outcome.failedStage = stage;
    if (!afterEstablished) record.outcome.endedAt = Date.now();
  }

  /**
   * The INVITE's final answer as the wire saw it: rejected, only provisional answers, or nothing. A 2xx
   * that still left the call unestablished carried an answer the media could not take (sip.js then sends
   * ACK and BYE, RFC 3261 §13.2.2.4).
   */
  private failFromTrace(record: CallRecord): void {
    const responses = this.responsesOnWire("INVITE", (e) => e.callId === record.outcome.callId);
    const final = responses.filter((e) => /^SIP\/2\.0 [3-6]\d\d/.test(e.firstLine)).pop();
    const accepted = responses.find((e) => /^SIP\/2\.0 2\d\d/.test(e.firstLine));
    if (accepted) {
      const why = this.plane.descriptionError?.(record.session) ?? "sip.js could not apply it";
      this.fail(record, Number(accepted.firstLine.slice(8, 11)), `the answer's SDP could not be used: ${why}`, "sdp");
    } else if (final) this.fail(record, Number(final.firstLine.slice(8, 11)), final.firstLine.slice(12), "rejected");
    else if (responses.length > 0) this.fail(record, null, "only provisional responses to the INVITE", "timeout");
    else this.fail(record, null, "the INVITE got no response", "no-response");
  }

  /** Responses to `method` that arrived on the wire, oldest first. */
  private responsesOnWire(method: string, match: (e: SipTraceEntry) => boolean): SipTraceEntry[] {
    return this.trace.filter((e) => e.direction === "received" && e.firstLine.startsWith("SIP/2.0 ") && e.cseq.endsWith(method) && match(e));
  }
}
