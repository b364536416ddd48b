// What one WebRTC agent saw of ICE and DTLS in a call: candidates, checked pairs, the selected pair, the
// state timeline and RTP statistics. Shared by the agent (which builds it from getStats and the peer
// connection's events) and the test process (steps assert on it, reports attach it).

export type CandidateType = "host" | "srflx" | "prflx" | "relay";
export type TurnTransport = "udp" | "tcp" | "tls";
export const TURN_TRANSPORTS = ["udp", "tcp", "tls"] as const satisfies readonly TurnTransport[];

export interface IceCandidateInfo {
  readonly id: string;
  readonly type: CandidateType;
  /** Transport of the candidate itself (what the peer sends to). */
  readonly protocol: "udp" | "tcp";
  /** For relay candidates: how this agent reaches its TURN server. */
  readonly relayProtocol?: TurnTransport;
  readonly address: string;
  readonly port: number;
  /** The ICE server the candidate came from (local srflx/relay only). */
  readonly url?: string;
}

export interface IcePairInfo {
  readonly local: string;
  readonly remote: string;
  readonly state: string;
  readonly nominated: boolean;
  readonly requestsSent: number;
  readonly responsesReceived: number;
  readonly requestsReceived: number;
  readonly rttMs: number | null;
}

export interface StateChange {
  /** ms since the epoch, so timelines of both agents line up with the SIP ladder. */
  readonly at: number;
  readonly what: "signaling" | "gathering" | "ice" | "connection" | "dtls" | "selected-pair";
  readonly state: string;
  /** For "selected-pair": the pair's local and remote candidate ids (as in `pairs`). */
  readonly pair?: { readonly local: string; readonly remote: string };
}

export interface GatheringError {
  readonly at: number;
  readonly url: string;
  readonly code: number;
  readonly text: string;
}

export interface RtpStats {
  readonly packetsSent: number;
  readonly packetsReceived: number;
  readonly packetsLost: number;
  readonly jitterMs: number | null;
  /** From RTCP receiver reports of the far end. */
  readonly remotePacketsLost: number | null;
  readonly rttMs: number | null;
}

export interface IceReport {
  /** ICE servers this call was configured with (credentials left out). */
  readonly iceServers: readonly string[];
  readonly iceTransportPolicy: "all" | "relay";
  readonly iceState: string;
  readonly connectionState: string;
  readonly dtlsState: string | null;
  readonly localCandidates: readonly IceCandidateInfo[];
  readonly remoteCandidates: readonly IceCandidateInfo[];
  readonly pairs: readonly IcePairInfo[];
  readonly selected: { readonly local: IceCandidateInfo; readonly remote: IceCandidateInfo; readonly rttMs: number | null } | null;
  readonly timeline: readonly StateChange[];
  readonly gatheringErrors: readonly GatheringError[];
  readonly rtp: RtpStats | null;
}

/** "relay/udp over tls 198.51.100.3:50123" — a candidate in one line. */
export function describeCandidate(c: IceCandidateInfo): string {
  return `${c.type}/${c.protocol}${c.relayProtocol ? ` over ${c.relayProtocol}` : ""} ${c.address}:${c.port}`;
}

/** When `state` was first reached on the `what` timeline, relative to `from`; null if never. */
export function reachedAfter(report: IceReport, what: StateChange["what"], state: string, from: number): number | null {
  const hit = report.timeline.find((s) => s.what === what && s.state === state);
  return hit ? hit.at - from : null;
}

/** The report as text for a scenario's attachments: the evidence of how ICE went. */
export function formatIceReport(agent: string, r: IceReport): string {
  const t0 = r.timeline[0]?.at ?? 0;
  const byId = new Map([...r.localCandidates, ...r.remoteCandidates].map((c) => [c.id, c]));
  const name = (id: string): string => (byId.get(id) ? describeCandidate(byId.get(id)!) : id);
  const lines = [
    `${agent}: ICE ${r.iceState}, connection ${r.connectionState}, DTLS ${r.dtlsState ?? "unknown"}, policy ${r.iceTransportPolicy}`,
    `ICE servers: ${r.iceServers.join(", ") || "(none)"}`,
    `selected pair: ${r.selected ? `${describeCandidate(r.selected.local)} ⇄ ${describeCandidate(r.selected.remote)} (rtt ${r.selected.rttMs ?? "?"} ms)` : "none"}`,
    "",
    "local candidates:",
    ...r.localCandidates.map((c) => `  ${describeCandidate(c)}${c.url ? `  from ${c.url}` : ""}`),
    "remote candidates:",
    ...r.remoteCandidates.map((c) => `  ${describeCandidate(c)}`),
    "candidate pairs (requests sent / responses received / requests received):",
    ...r.pairs.map(
      (p) =>
        `  ${p.state.padEnd(10)} ${p.nominated ? "nominated " : ""}${name(p.local)} → ${name(p.remote)}  ${p.requestsSent}/${p.responsesReceived}/${p.requestsReceived}${p.rttMs !== null ? ` rtt ${p.rttMs} ms` : ""}`,
    ),
    "gathering errors:",
    ...(r.gatheringErrors.length ? r.gatheringErrors.map((e) => `  +${e.at - t0} ms ${e.url}: ${e.code} ${e.text}`) : ["  (none)"]),
    "timeline:",
    ...r.timeline.map((s) => `  +${String(s.at - t0).padStart(6)} ms  ${s.what.padEnd(13)} ${s.state}`),
    "rtp:",
    r.rtp
      ? `  sent ${r.rtp.packetsSent}, received ${r.rtp.packetsReceived}, lost ${r.rtp.packetsLost}, jitter ${r.rtp.jitterMs ?? "?"} ms, far-end lost ${r.rtp.remotePacketsLost ?? "?"}, rtt ${r.rtp.rttMs ?? "?"} ms`
      : "  (no RTP statistics)",
  ];
  return lines.join("\n");
}
