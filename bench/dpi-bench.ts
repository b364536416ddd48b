// `npm run bench` (part): what deep UDP restriction costs a WebRTC call's set-up. The same call in the
// "webrtc" lab with UDP open (the baseline), with UDP blocked at nat1 (TURN over TCP), and with UDP blocked
// and STUN-in-TCP spotted by DPI (TURN over TLS on 443). Writes bench/dpi-results.json and the "Deep UDP
// restriction" section of BENCHMARKS.md.
import { join } from "node:path";
import { writeJson } from "../src/common/json-file.js";
import { builtinKinds } from "../src/kinds/builtin.js";
import { PROJECT_ROOT } from "../src/lab/images.js";
import { Lab } from "../src/lab/lab.js";
import { loadTopology, type TopologyOverrides } from "../src/topology/load.js";
import { benchSetup, log, machine, median, RUNS, timedWebRtcCall, writeSection } from "./bench-kit.js";

const { images } = await benchSetup();

const CASES: Array<{ name: string; overrides: TopologyOverrides }> = [
  { name: "UDP open (baseline)", overrides: [["nodes.alice.ice", "{ server: turn, turn: [udp, tcp] }"]] },
  {
    name: "UDP blocked → TURN over TCP",
    overrides: [
      ["nodes.alice.ice", "{ server: turn, turn: [udp, tcp] }"],
      ["nodes.nat1.firewall", "{ udp: block }"],
    ],
  },
  {
    name: "UDP blocked, STUN-in-TCP DPI → TURN over TLS 443",
    overrides: [
      ["nodes.alice.ice", "{ server: turn, turn: [tls] }"],
      ["nodes.nat1.firewall", "{ udp: block, block: [stun-tcp] }"],
    ],
  },
];

const samples: Record<string, { sipSetup: number[]; ice: number[]; dtls: number[] }> = {};
for (const c of CASES) {
  const topo = await loadTopology(join(PROJECT_ROOT, "topologies/webrtc.yaml"), builtinKinds(), c.overrides);
  const s = (samples[c.name] = { sipSetup: [] as number[], ice: [] as number[], dtls: [] as number[] });
  for (let i = 0; i < RUNS; i++) {
    const lab = await new Lab(topo, { images }).start();
    try {
      await Promise.all([lab.agent("alice").register(), lab.agent("bob").register()]);
      const t = await timedWebRtcCall(lab, "alice", "bob", c.name);
      s.sipSetup.push(t.sipSetupMs);
      s.ice.push(t.iceConnectedMs);
      s.dtls.push(t.dtlsConnectedMs);
    } finally {
      await lab.stop();
    }
  }
  log(`${c.name}: INVITE→200 ${median(s.sipSetup)} ms, ICE connected ${median(s.ice)} ms`);
}

const base = median(samples[CASES[0]!.name]!.sipSetup);
const results = {
  date: new Date().toISOString(),
  machine: machine(),
  runs: RUNS,
  samples,
  medians: Object.fromEntries(
    Object.entries(samples).map(([k, v]) => [k, { sipSetupMs: median(v.sipSetup), iceConnectedMs: median(v.ice), dtlsConnectedMs: median(v.dtls) }]),
  ),
};
await writeJson(join(PROJECT_ROOT, "bench/dpi-results.json"), results);
const rows = Object.entries(results.medians)
  .map(([k, m]) => `| ${k} | ${m.sipSetupMs} ms (+${m.sipSetupMs - base} ms) | ${m.iceConnectedMs} ms | ${m.dtlsConnectedMs} ms |`)
  .join("\n");
await writeSection(
  "## Deep UDP restriction",
  `## Deep UDP restriction: set-up time against the UDP baseline (webrtc topology)

Measured by \`npm run bench\` on ${results.date.slice(0, 10)} (${results.machine}), median of ${RUNS} runs; raw numbers in
\`bench/dpi-results.json\`. alice (behind nat1, the firewall) calls bob. With UDP blocked her STUN requests get
no answer, so her offer waits for the ICE gathering timeout (3 s) before it is sent: that, not SIP, is the
extra set-up time. ICE and DTLS times run from the caller's peer connection being made.

| case | call placed → 200 OK (vs baseline) | ICE connected | DTLS connected |
|---|---|---|---|
${rows}
`,
);
log(rows);
