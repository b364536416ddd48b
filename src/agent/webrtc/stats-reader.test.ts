import assert from "node:assert/strict";
import { test } from "node:test";
import { iceReportFromStats, type ObservedState, type StatsEntry } from "./stats-reader.js";

// Trimmed from a real libwebrtc (@roamhq/wrtc 0.10) getStats() of a call relayed over TURN/TCP.
const STATS: StatsEntry[] = [
  { id: "T", type: "transport", dtlsState: "connected", selectedCandidatePairId: "P1", iceState: "connected" },
  {
    id: "P1",
    type: "candidate-pair",
    localCandidateId: "L1",
    remoteCandidateId: "R1",
    state: "succeeded",
    nominated: true,
    requestsSent: 3,
    responsesReceived: 3,
    requestsReceived: 4,
    currentRoundTripTime: 0.004,
  },
  {
    id: "P2",
    type: "candidate-pair",
    localCandidateId: "L1",
    remoteCandidateId: "R2",
    state: "failed",
    nominated: false,
    requestsSent: 7,
    responsesReceived: 0,
    requestsReceived: 0,
  },
  {
    id: "L1",
    type: "local-candidate",
    candidateType: "relay",
    protocol: "udp",
    relayProtocol: "tcp",
    address: "198.51.100.4",
    port: 50001,
    url: "turn:10.123.1.2:40001?transport=tcp",
  },
  { id: "R1", type: "remote-candidate", candidateType: "srflx", protocol: "udp", address: "198.51.100.2", port: 41000 },
  { id: "R2", type: "remote-candidate", candidateType: "host", protocol: "udp", address: "10.123.2.2", port: 41000 },
  { id: "I", type: "inbound-rtp", kind: "audio", packetsReceived: 250, packetsLost: 2, jitter: 0.003 },
  { id: "O", type: "outbound-rtp", kind: "audio", packetsSent: 251 },
  { id: "RI", type: "remote-inbound-rtp", kind: "audio", packetsLost: 1, roundTripTime: 0.01 },
];

const OBSERVED: ObservedState = {
  iceServers: ["turns:198.51.100.4:443?transport=tcp"],
  iceTransportPolicy: "relay",
  iceState: "connected",
  connectionState: "connected",
  timeline: [],
  gatheringErrors: [],
  bridged: new Map([["turn:10.123.1.2:40001?transport=tcp", "turns:198.51.100.4:443?transport=tcp"]]),
};

test("the selected pair and its candidates come from the transport's selectedCandidatePairId", () => {
  const r = iceReportFromStats(STATS, OBSERVED);
  assert.equal(r.selected?.local.type, "relay");
  assert.equal(r.selected?.remote.type, "srflx");
  assert.equal(r.selected?.rttMs, 4);
  assert.equal(r.dtlsState, "connected");
  assert.equal(r.pairs.length, 2);
  assert.equal(r.pairs.find((p) => p.remote === "R2")?.state, "failed");
});

test("a relay reached through the agent's TLS bridge is reported as TLS with the real server URL", () => {
  const r = iceReportFromStats(STATS, OBSERVED);
  assert.equal(r.selected?.local.relayProtocol, "tls");
  assert.equal(r.selected?.local.url, "turns:198.51.100.4:443?transport=tcp");
  const plain = iceReportFromStats(STATS, { ...OBSERVED, bridged: new Map() });
  assert.equal(plain.selected?.local.relayProtocol, "tcp");
});

test("RTP counters and the far end's view come from inbound, outbound and remote-inbound stats", () => {
  const r = iceReportFromStats(STATS, OBSERVED);
  assert.deepEqual(r.rtp, { packetsSent: 251, packetsReceived: 250, packetsLost: 2, jitterMs: 3, remotePacketsLost: 1, rttMs: 10 });
});

test("no selected pair before ICE has one", () => {
  const r = iceReportFromStats(
    STATS.filter((s) => s.type !== "transport"),
    OBSERVED,
  );
  assert.equal(r.selected, null);
  assert.equal(r.dtlsState, null);
});
