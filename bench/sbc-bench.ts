// `npm run bench` (SBC part): calls through the SBC (Kamailio with rtpengine) in the "sbc" lab: lab up
// time, SIP set-up, the WebRTC end's ICE and DTLS, each way and with the relay reached over TURN/TLS 443;
// and the media relay's cost, rtpengine's CPU time per second of one call against the same relay idle.
// Writes bench/sbc-results.json and the "SBC" section of BENCHMARKS.md.
import { join } from "node:path";
import { writeJson } from "../src/common/json-file.js";
import { builtinKinds } from "../src/kinds/builtin.js";
import { PROJECT_ROOT } from "../src/lab/images.js";
import type { StartedLab } from "../src/lab/started-lab.js";
import { loadTopology } from "../src/topology/load.js";
import { benchSetup, log, machine, median, RUNS, timedWebRtcCall, withTimedLab, writeSection } from "./bench-kit.js";

const { images } = await benchSetup();
const topo = await loadTopology(join(PROJECT_ROOT, "topologies/sbc.yaml"), builtinKinds());
/** How long rtpengine's CPU time is read over, with one call up and with none. */
const WINDOW_MS = 10_000;

interface Case {
  readonly name: string;
  readonly caller: "app" | "phone";
  readonly callee: "app" | "phone";
  readonly relayOverTls?: boolean;
}
const CASES: Case[] = [
  { name: "app → phone (ICE direct to the relay)", caller: "app", callee: "phone" },
  { name: "phone → app", caller: "phone", callee: "app" },
  { name: "app → phone, app relay-only over TURN/TLS 443", caller: "app", callee: "phone", relayOverTls: true },
];

/** rtpengine's user + system CPU time so far, in ms (clock ticks of 10 ms, from /proc). */
async function relayCpuMs(lab: StartedLab): Promise<number> {
  const stat = await lab.node("edge").exec(["sh", "-c", 'cat /proc/"$(pidof rtpengine)"/stat']);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function cpuOver(lab: StartedLab): Promise<number> {
  const before = await relayCpuMs(lab);
  await new Promise((r) => setTimeout(r, WINDOW_MS));
  return ((await relayCpuMs(lab)) - before) / (WINDOW_MS / 1000);
}

interface Samples {
  up: number[];
  sipSetup: number[];
  ice: number[];
  dtls: number[];
  relayCpuMsPerS: number[];
  idleCpuMsPerS: number[];
}
const samples: Record<string, Samples> = {};
for (const c of CASES) {
  const s: Samples = { up: [], sipSetup: [], ice: [], dtls: [], relayCpuMsPerS: [], idleCpuMsPerS: [] };
  samples[c.name] = s;
  for (let i = 0; i < RUNS; i++) {
    await withTimedLab(topo, images, s.up, async (lab) => {
      if (c.relayOverTls) await lab.agent("app").setIcePolicy({ iceTransportPolicy: "relay", turnTransports: ["tls"] });
      await Promise.all([lab.agent("app").register(), lab.agent("phone").register()]);
      s.idleCpuMsPerS.push(await cpuOver(lab));
      if (c.caller === "app") {
        const t = await timedWebRtcCall(lab, "app", "phone", c.name);
        s.sipSetup.push(t.sipSetupMs);
        s.ice.push(t.iceConnectedMs);
        s.dtls.push(t.dtlsConnectedMs);
      } else {
        const outcome = await lab.agent("phone").call("app");
        if (!outcome.established) throw new Error(`${c.name}: not established: ${outcome.failedStage} ${outcome.reason}`);
        s.sipSetup.push(outcome.setupMs!);
      }
      s.relayCpuMsPerS.push(await cpuOver(lab));
    });
  }
}

const med = (xs: number[]): number | null => (xs.length ? Math.round(median(xs) * 10) / 10 : null);
const results = {
  date: new Date().toISOString(),
  machine: machine(),
  runs: RUNS,
  windowMs: WINDOW_MS,
  samples,
  medians: Object.fromEntries(
    Object.entries(samples).map(([k, v]) => [
      k,
      {
        upMs: Math.round(median(v.up)),
        sipSetupMs: med(v.sipSetup),
        iceConnectedMs: med(v.ice),
        dtlsConnectedMs: med(v.dtls),
        relayCpuMsPerS: med(v.relayCpuMsPerS),
        idleCpuMsPerS: med(v.idleCpuMsPerS),
      },
    ]),
  ),
};
await writeJson(join(PROJECT_ROOT, "bench/sbc-results.json"), results);

const ms = (x: number | null): string => (x === null ? "—" : `${x} ms`);
const rows = Object.entries(results.medians)
  .map(
    ([k, m]) =>
      `| ${k} | ${m.upMs} ms | ${ms(m.sipSetupMs)} | ${ms(m.iceConnectedMs)} | ${ms(m.dtlsConnectedMs)} | ${m.relayCpuMsPerS} ms/s (idle ${m.idleCpuMsPerS}) |`,
  )
  .join("\n");
const section = `## SBC: WebRTC ⇄ desk phone through Kamailio and rtpengine (sbc topology)

Measured by \`npm run bench\` on ${results.date.slice(0, 10)} (${results.machine}), median of ${RUNS} runs; raw numbers in
\`bench/sbc-results.json\`. Set-up, ICE and DTLS are timed as in the WebRTC section above, whose direct
case (two WebRTC agents through a plain Kamailio, no relay) is the comparison. ICE here is the app's, with
rtpengine as its peer (full ICE: the app reaches "completed"). Relay cost: rtpengine's CPU time (user +
system, from /proc, 10 ms ticks) per second of wall time, over ${WINDOW_MS / 1000} s with one call's media
(SRTP on the app's leg, plain RTP on the phone's, PCMU both: no transcoding), beside the same relay idle
before the call. A direct call costs no relay at all. Lab up moves from day to day on these shared machines
(the 8-node webrtc lab took 9.7 s in one of this day's scenario runs): compare rows of one run.

| case | lab up (6 nodes, 3 networks) | INVITE → 200 OK | ICE connected | DTLS connected | relay CPU, one call |
|---|---|---|---|---|---|
${rows}
`;
await writeSection("## SBC: WebRTC", section);
log(rows);
