// `npm run bench` (second part): WebRTC call set-up in the "webrtc" lab — lab up time, SIP set-up, and the
// time from the caller's peer connection to ICE connected and DTLS connected, for a direct pair, a relay for
// a symmetric NAT, and relay-only over TURN/TLS on 443. Writes bench/webrtc-results.json and the "WebRTC"
// section of BENCHMARKS.md.
import { join } from "node:path";
import type { TurnTransport } from "../src/calls/ice-report.js";
import { writeJson } from "../src/common/json-file.js";
import { builtinKinds } from "../src/kinds/builtin.js";
import { PROJECT_ROOT } from "../src/lab/images.js";
import { loadTopology } from "../src/topology/load.js";
import { benchSetup, log, machine, median, RUNS, timedWebRtcCall, withTimedLab, writeSection } from "./bench-kit.js";

const { images } = await benchSetup();
const topo = await loadTopology(join(PROJECT_ROOT, "topologies/webrtc.yaml"), builtinKinds());

interface Case {
  readonly name: string;
  readonly caller: string;
  readonly callee: string;
  readonly relayOnly?: TurnTransport;
}
const CASES: Case[] = [
  { name: "direct (port-restricted ⇄ port-restricted)", caller: "alice", callee: "bob" },
  { name: "TURN relay (symmetric ⇄ port-restricted)", caller: "carol", callee: "bob" },
  { name: "relay only, TURN over TLS on 443", caller: "alice", callee: "bob", relayOnly: "tls" },
];

const samples: Record<string, { up: number[]; sipSetup: number[]; ice: number[]; dtls: number[] }> = {};
for (const c of CASES) {
  const s: { up: number[]; sipSetup: number[]; ice: number[]; dtls: number[] } = { up: [], sipSetup: [], ice: [], dtls: [] };
  samples[c.name] = s;
  for (let i = 0; i < RUNS; i++) {
    await withTimedLab(topo, images, s.up, async (lab) => {
      if (c.relayOnly) await lab.agent(c.caller).setIcePolicy({ iceTransportPolicy: "relay", turnTransports: [c.relayOnly] });
      await Promise.all([lab.agent(c.caller).register(), lab.agent(c.callee).register()]);
      const t = await timedWebRtcCall(lab, c.caller, c.callee, c.name);
      s.sipSetup.push(t.sipSetupMs);
      s.ice.push(t.iceConnectedMs);
      s.dtls.push(t.dtlsConnectedMs);
    });
  }
}

const results = {
  date: new Date().toISOString(),
  machine: machine(),
  runs: RUNS,
  samples,
  medians: Object.fromEntries(
    Object.entries(samples).map(([k, v]) => [
      k,
      { upMs: Math.round(median(v.up)), sipSetupMs: median(v.sipSetup), iceConnectedMs: median(v.ice), dtlsConnectedMs: median(v.dtls) },
    ]),
  ),
};
await writeJson(join(PROJECT_ROOT, "bench/webrtc-results.json"), results);

const rows = Object.entries(results.medians)
  .map(([k, m]) => `| ${k} | ${m.upMs} ms | ${m.sipSetupMs} ms | ${m.iceConnectedMs} ms | ${m.dtlsConnectedMs} ms |`)
  .join("\n");
const section = `## WebRTC call set-up (webrtc topology)

Measured by \`npm run bench\` on ${results.date.slice(0, 10)} (${results.machine}), median of ${RUNS} runs; raw numbers in
\`bench/webrtc-results.json\`. ICE and DTLS times run from the caller's peer connection being made (before
the INVITE), so they include SIP set-up and the callee's 200 ms answer delay. DTLS is sampled from getStats
every 250 ms, so its figure is rounded up to that grid.

| case | lab up (8 nodes, 4 networks) | INVITE → 200 OK | ICE connected | DTLS connected |
|---|---|---|---|---|
${rows}
`;
await writeSection("## WebRTC call set-up", section);
log(rows);
