// getStats() → IceReport. Pure: unit tested with statistics recorded from libwebrtc.
import type { CandidateType, IceCandidateInfo, IcePairInfo, IceReport, RtpStats, TurnTransport } from "../../calls/ice-report.js";

export type StatsEntry = Record<string, unknown> & { id: string; type: string };

export interface ObservedState {
  readonly iceServers: readonly string[];
  readonly iceTransportPolicy: "all" | "relay";
  readonly iceState: string;
  readonly connectionState: string;
  readonly timeline: IceReport["timeline"];
  readonly gatheringErrors: IceReport["gatheringErrors"];
  /**
   * ICE server URLs the agent rewrote to reach a TURN server through its local TLS bridge: libwebrtc
   * sees TURN over TCP to the bridge, the network sees TLS. Maps the rewritten URL to the real one.
   */
  readonly bridged: ReadonlyMap<string, string>;
}

const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);
const numOrNull = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

function candidate(s: StatsEntry, bridged: ReadonlyMap<string, string>): IceCandidateInfo {
  const url = typeof s.url === "string" ? s.url : undefined;
  const realUrl = url && bridged.get(url);
  let relayProtocol = typeof s.relayProtocol === "string" ? (s.relayProtocol as TurnTransport) : undefined;
  if (realUrl && relayProtocol) relayProtocol = "tls";
  return {
    id: s.id,
    type: String(s.candidateType) as CandidateType,
    protocol: String(s.protocol) === "tcp" ? "tcp" : "udp",
    ...(relayProtocol ? { relayProtocol } : {}),
    address: String(s.address ?? s.ip ?? ""),
    port: num(s.port),
    ...(url ? { url: realUrl ?? url } : {}),
  };
}

export function iceReportFromStats(stats: readonly StatsEntry[], observed: ObservedState): IceReport {
  const local = stats.filter((s) => s.type === "local-candidate").map((s) => candidate(s, observed.bridged));
  const remote = stats.filter((s) => s.type === "remote-candidate").map((s) => candidate(s, observed.bridged));
  const pairs: IcePairInfo[] = stats
    .filter((s) => s.type === "candidate-pair")
    .map((s) => ({
      local: String(s.localCandidateId),
      remote: String(s.remoteCandidateId),
      state: String(s.state),
      nominated: s.nominated === true,
      requestsSent: num(s.requestsSent),
      responsesReceived: num(s.responsesReceived),
      requestsReceived: num(s.requestsReceived),
      rttMs: numOrNull(s.currentRoundTripTime) === null ? null : Math.round(num(s.currentRoundTripTime) * 1000),
    }));
  const transport = stats.find((s) => s.type === "transport");
  const selectedId = typeof transport?.selectedCandidatePairId === "string" ? transport.selectedCandidatePairId : undefined;
  const selectedPair = stats.find((s) => s.id === selectedId);
  const find = (list: IceCandidateInfo[], id: unknown): IceCandidateInfo | undefined => list.find((c) => c.id === id);
  const selLocal = selectedPair && find(local, selectedPair.localCandidateId);
  const selRemote = selectedPair && find(remote, selectedPair.remoteCandidateId);

  const inbound = stats.find((s) => s.type === "inbound-rtp" && s.kind === "audio");
  const outbound = stats.find((s) => s.type === "outbound-rtp" && s.kind === "audio");
  const remoteInbound = stats.find((s) => s.type === "remote-inbound-rtp" && s.kind === "audio");
  const rtp: RtpStats | null =
    inbound || outbound
      ? {
          packetsSent: num(outbound?.packetsSent),
          packetsReceived: num(inbound?.packetsReceived),
          packetsLost: Math.max(0, num(inbound?.packetsLost)),
          jitterMs: inbound && numOrNull(inbound.jitter) !== null ? num(inbound.jitter) * 1000 : null,
          remotePacketsLost: remoteInbound ? num(remoteInbound.packetsLost) : null,
          rttMs: remoteInbound && numOrNull(remoteInbound.roundTripTime) !== null ? Math.round(num(remoteInbound.roundTripTime) * 1000) : null,
        }
      : null;

  return {
    iceServers: observed.iceServers,
    iceTransportPolicy: observed.iceTransportPolicy,
    iceState: observed.iceState,
    connectionState: observed.connectionState,
    dtlsState: typeof transport?.dtlsState === "string" ? transport.dtlsState : null,
    localCandidates: local,
    remoteCandidates: remote,
    pairs,
    selected:
      selLocal && selRemote
        ? {
            local: selLocal,
            remote: selRemote,
            rttMs: numOrNull(selectedPair.currentRoundTripTime) === null ? null : Math.round(num(selectedPair.currentRoundTripTime) * 1000),
          }
        : null,
    timeline: observed.timeline,
    gatheringErrors: observed.gatheringErrors,
    rtp,
  };
}
