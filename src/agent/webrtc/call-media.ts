// One WebRTC call's media: the tone this agent sends, the audio it hears, and everything its peer
// connection says about ICE and DTLS, timestamped.
import type { GatheringError, IceReport, StateChange } from "../../calls/ice-report.js";
import type { RtpSnapshot } from "../rtp-session.js";
import { TonePacer, ToneListener } from "./audio-tone.js";
import { iceReportFromStats, type StatsEntry } from "./stats-reader.js";
import { MediaStream, nonstandard } from "./wrtc.js";

export interface IceSettings {
  readonly iceServers: RTCIceServer[];
  readonly iceTransportPolicy: "all" | "relay";
  /** The ICE server URLs as reported (bridged TLS servers under their real URL). */
  readonly reportedServers: string[];
  readonly bridged: ReadonlyMap<string, string>;
}

/** Interval of the getStats poll that notices DTLS and selected-pair changes (no events for those here). */
const POLL_MS = 250;
/** Statistics kept as last seen when libwebrtc stops reporting them. */
const KEPT_STATS = new Set(["local-candidate", "remote-candidate", "candidate-pair"]);

export class CallMedia {
  private readonly source = new nonstandard.RTCAudioSource();
  private readonly track = this.source.createTrack();
  private readonly pacer: TonePacer;
  private readonly listener = new ToneListener();
  private sinks: Array<{ stop(): void }> = [];
  private readonly timeline: StateChange[] = [];
  /** The newest state of each timeline, so `mark` records changes only. */
  private readonly current = new Map<StateChange["what"], string>();
  private readonly gatheringErrors: GatheringError[] = [];
  private pc: RTCPeerConnection | undefined;
  private poll: NodeJS.Timeout | undefined;
  private lastPair: string | null = null;
  private lastStats: StatsEntry[] | undefined;
  private readonly seenStats = new Map<string, StatsEntry>();
  private failedReported = false;
  private closed = false;

  private connectTimer: NodeJS.Timeout | undefined;

  /**
   * `connectTimeoutMs`: how long ICE may check before the call counts as failed, as apps enforce it.
   * libwebrtc here can stay in "checking" for a long time when no pair ever works (it goes to "failed"
   * only once every pair has failed); a user hangs up long before, and so does the app.
   */
  constructor(
    toneHz: number,
    readonly settings: IceSettings,
    private readonly connectTimeoutMs: number,
    private readonly onIceFailed: (reason: string) => void,
  ) {
    this.pacer = new TonePacer(toneHz, (f) => this.source.onData(f));
    // Like a microphone: the signal is there from the start; libwebrtc sends it once DTLS is up.
    this.pacer.start();
  }

  localStream(): MediaStream {
    return new MediaStream([this.track]);
  }

  /** Hooks the peer connection sip.js made (through its delegate, so sip.js's own handlers stay). */
  attach(sdh: { peerConnection: RTCPeerConnection | undefined; peerConnectionDelegate: unknown }): void {
    const pc = sdh.peerConnection;
    if (!pc) throw new Error("sip.js created no peer connection");
    this.pc = pc;
    this.mark("signaling", pc.signalingState);
    this.mark("gathering", pc.iceGatheringState);
    this.mark("ice", pc.iceConnectionState);
    this.mark("connection", pc.connectionState);
    sdh.peerConnectionDelegate = {
      onsignalingstatechange: () => this.mark("signaling", pc.signalingState),
      onicegatheringstatechange: () => this.mark("gathering", pc.iceGatheringState),
      oniceconnectionstatechange: () => {
        const state = pc.iceConnectionState;
        this.mark("ice", state);
        if (state === "failed") void this.reportFailure(`ICE failed (libwebrtc: every candidate pair failed)`);
        if (state === "checking" && !this.connectTimer) {
          this.connectTimer = setTimeout(() => {
            const now = pc.iceConnectionState;
            if (now !== "connected" && now !== "completed")
              void this.reportFailure(`ICE did not connect within ${this.connectTimeoutMs} ms of checking (state "${now}")`);
          }, this.connectTimeoutMs);
        }
      },
      onconnectionstatechange: () => this.mark("connection", pc.connectionState),
      onicecandidateerror: (e: RTCPeerConnectionIceErrorEvent) =>
        this.gatheringErrors.push({ at: Date.now(), url: this.settings.bridged.get(e.url) ?? e.url, code: e.errorCode, text: e.errorText }),
      ontrack: (e: RTCTrackEvent) => {
        if (e.track.kind !== "audio") return;
        const sink = new nonstandard.RTCAudioSink(e.track);
        sink.ondata = (d) => this.listener.onFrame(d.samples, d.sampleRate, d.channelCount);
        this.sinks.push(sink);
      },
    };
    this.poll = setInterval(() => void this.sample(), POLL_MS);
  }

  async report(): Promise<IceReport | undefined> {
    if (!this.pc) return undefined;
    return this.reportFrom(this.closed && this.lastStats ? this.lastStats : await this.stats());
  }

  private reportFrom(stats: readonly StatsEntry[]): IceReport {
    const pc = this.pc!;
    return iceReportFromStats(stats, {
      iceServers: this.settings.reportedServers,
      iceTransportPolicy: this.settings.iceTransportPolicy,
      iceState: pc.iceConnectionState,
      connectionState: pc.connectionState,
      timeline: [...this.timeline],
      gatheringErrors: [...this.gatheringErrors],
      bridged: this.settings.bridged,
    });
  }

  /** The media check's view: libwebrtc's RTP counters, as RFC 3550 extended sequence numbers. */
  async snapshot(): Promise<RtpSnapshot | undefined> {
    const r = await this.report();
    if (!r) return undefined;
    const atMs = performance.now();
    const received = r.rtp?.packetsReceived ?? 0;
    const expected = received + (r.rtp?.packetsLost ?? 0);
    return {
      local: r.selected ? `${r.selected.local.address}:${r.selected.local.port}` : "",
      remote: r.selected ? `${r.selected.remote.address}:${r.selected.remote.port}` : null,
      latchedFrom: null,
      sent: r.rtp?.packetsSent ?? 0,
      received: {
        packets: received,
        firstSeq: expected > 0 ? 0 : null,
        highestSeq: expected > 0 ? expected - 1 : null,
        jitterMs: r.rtp?.jitterMs ?? 0,
        firstAtMs: null,
        lastAtMs: null,
        source: r.selected ? `${r.selected.remote.address}:${r.selected.remote.port}` : null,
      },
      signal: this.listener.signal(),
      atMs,
    };
  }

  /** Stops sending and listening; the last statistics stay readable. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.sample().catch(() => undefined);
    this.closed = true;
    clearInterval(this.poll);
    clearTimeout(this.connectTimer);
    this.pacer.stop();
    for (const s of this.sinks) s.stop();
    this.sinks = [];
    this.track.stop();
  }

  private async stats(): Promise<StatsEntry[]> {
    const report = await this.pc!.getStats();
    const list: StatsEntry[] = [];
    report.forEach((v) => {
      list.push(v as StatsEntry);
    });
    // libwebrtc drops the candidates and pairs from its statistics once ICE has failed: the report keeps
    // each one as last seen, so a failed call still shows what was checked.
    const ids = new Set(list.map((s) => s.id));
    for (const s of list) if (KEPT_STATS.has(s.type)) this.seenStats.set(s.id, s);
    for (const [id, s] of this.seenStats) if (!ids.has(id)) list.push(s);
    this.lastStats = list;
    return list;
  }

  private async sample(): Promise<void> {
    if (this.closed || !this.pc || this.pc.connectionState === "closed") return;
    const stats = await this.stats();
    const transport = stats.find((s) => s.type === "transport");
    if (typeof transport?.dtlsState === "string") this.mark("dtls", transport.dtlsState);
    const pairId = typeof transport?.selectedCandidatePairId === "string" ? transport.selectedCandidatePairId : null;
    if (pairId && pairId !== this.lastPair) {
      this.lastPair = pairId;
      const { selected } = this.reportFrom(stats);
      if (selected)
        this.mark("selected-pair", `${selected.local.type}/${selected.local.relayProtocol ?? selected.local.protocol} → ${selected.remote.type}`, {
          local: selected.local.id,
          remote: selected.remote.id,
        });
    }
  }

  private mark(what: StateChange["what"], state: string, pair?: StateChange["pair"]): void {
    // A pair is marked whenever the selection moves: two pairs of the same candidate types read alike.
    if (this.current.get(what) === state && !pair) return;
    this.current.set(what, state);
    this.timeline.push({ at: Date.now(), what, state, ...(pair ? { pair } : {}) });
  }

  private async reportFailure(what: string): Promise<void> {
    if (this.failedReported) return;
    this.failedReported = true;
    const r = await this.report();
    const t0 = this.timeline[0]?.at ?? Date.now();
    const count = (list: readonly { type: string }[]): string => {
      const by = new Map<string, number>();
      for (const c of list) by.set(c.type, (by.get(c.type) ?? 0) + 1);
      return [...by].map(([t, n]) => `${t}×${n}`).join(", ") || "none";
    };
    const succeeded = r?.pairs.filter((p) => p.state === "succeeded").length ?? 0;
    const parts = [
      `${what}, ${Date.now() - t0} ms after the peer connection was made`,
      `${r?.pairs.length ?? 0} candidate pairs checked, ${succeeded} succeeded`,
      `local candidates: ${count(r?.localCandidates ?? [])}`,
      `remote candidates: ${count(r?.remoteCandidates ?? [])}`,
    ];
    if (!r?.localCandidates.some((c) => c.type === "relay")) parts.push("no relay candidate (no TURN server configured or reachable)");
    if (this.gatheringErrors.length) parts.push(`gathering errors: ${this.gatheringErrors.map((e) => `${e.url} ${e.code} ${e.text}`.trim()).join("; ")}`);
    this.onIceFailed(parts.join("; "));
  }
}
