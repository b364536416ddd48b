// `npm run bench`: what packet capture costs. The baseline lab up and down with capture on and off
// (alternating), a call's set-up time with and without it, tcpdump's own CPU time, the merge + dissection
// + ladder time and the pcapng's size for a 5 s call, and the @baseline scenarios' wall time with
// CALLPATH_CAPTURE off and failed. Writes bench/capture-results.json and the "Packet capture" section.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { closeSharedAnalyzer, sharedAnalyzer } from "../src/capture/analyzer.js";
import { DEFAULT_RING } from "../src/capture/capture-plan.js";
import { captureEvidence } from "../src/capture/evidence.js";
import { writeJson } from "../src/common/json-file.js";
import { builtinKinds } from "../src/kinds/builtin.js";
import { PROJECT_ROOT } from "../src/lab/images.js";
import { Lab } from "../src/lab/lab.js";
import { loadTopology } from "../src/topology/load.js";
import { benchSetup, log, machine, median, RUNS, writeSection } from "./bench-kit.js";

const { docker, images } = await benchSetup();
const topo = await loadTopology(join(PROJECT_ROOT, "topologies/baseline.yaml"), builtinKinds());

const up = { off: [] as number[], on: [] as number[] };
const down = { off: [] as number[], on: [] as number[] };
const setup = { off: [] as number[], on: [] as number[] };
const tcpdumpCpuMs: number[] = [];
const packets: number[] = [];
const mergeMs: number[] = [];
const pcapBytes: number[] = [];
const analyzer = await sharedAnalyzer(docker, images.analyzer);
try {
  for (let i = 0; i < RUNS; i++) {
    for (const mode of ["off", "on"] as const) {
      let t = performance.now();
      const lab = await new Lab(topo, { images, capture: mode === "on" ? DEFAULT_RING : undefined }).start();
      up[mode].push(performance.now() - t);
      try {
        await Promise.all([lab.agent("alice").register(), lab.agent("bob").register()]);
        const call = await lab.agent("alice").call("bob");
        if (!call.established) throw new Error(`call not established: ${call.failedStage}`);
        setup[mode].push(call.setupMs!);
        await new Promise((r) => setTimeout(r, 5000));
        await lab.agent("alice").hangup();
        if (mode === "on") {
          // tcpdump's CPU time in the busiest node (the router sees both directions twice).
          // utime + stime in clock ticks (/proc/<pid>/stat fields 14 and 15), at 100 ticks a second.
          const ticks = await lab
            .node("nat1")
            .exec(["sh", "-c", "for p in $(pgrep -x tcpdump); do awk '{print $14+$15}' /proc/$p/stat; done | awk '{s+=$1} END {print s+0}'"]);
          tcpdumpCpuMs.push(Number(ticks.trim()) * 10);
          t = performance.now();
          const e = await captureEvidence(lab, lab.capture, analyzer, { final: true, title: "bench" });
          mergeMs.push(performance.now() - t);
          pcapBytes.push(e.pcapng.length);
          packets.push(e.packets.length);
        }
      } finally {
        t = performance.now();
        await lab.stop();
        down[mode].push(performance.now() - t);
      }
    }
  }
} finally {
  await closeSharedAnalyzer();
}

// The @baseline scenarios end to end, capture off and on (failed: captured, kept only on failure).
const suite = { off: [] as number[], failed: [] as number[] };
for (let i = 0; i < Math.min(RUNS, 2); i++) {
  for (const mode of ["off", "failed"] as const) {
    const t = performance.now();
    const r = spawnSync("npx", ["cucumber-js", "--tags", "@baseline", "--format", "progress"], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CALLPATH_CAPTURE: mode },
      stdio: ["ignore", "ignore", "ignore"],
    });
    if (r.status !== 0) throw new Error(`@baseline failed with CALLPATH_CAPTURE=${mode}`);
    suite[mode].push(performance.now() - t);
  }
}

const m = (xs: number[]): number => Math.round(median(xs));
const results = {
  machine: machine(),
  runs: RUNS,
  ring: DEFAULT_RING,
  labUpMs: { off: m(up.off), on: m(up.on) },
  labDownMs: { off: m(down.off), on: m(down.on) },
  callSetupMs: { off: m(setup.off), on: m(setup.on) },
  tcpdumpCpuMsInRouter: m(tcpdumpCpuMs),
  capturedFramesDissected: m(packets),
  mergeDissectLadderMs: m(mergeMs),
  pcapngBytes: m(pcapBytes),
  baselineSuiteMs: { off: m(suite.off), failed: m(suite.failed) },
};
await writeJson(join(PROJECT_ROOT, "bench/capture-results.json"), results);
log(JSON.stringify(results));
await writeSection(
  "## Packet capture",
  `## Packet capture

Measured by \`bench/capture-bench.ts\` (${results.machine}, medians of ${RUNS} runs, capture on and off
alternating; a ${DEFAULT_RING.files} × ${DEFAULT_RING.fileMb} MB ring per interface). The baseline lab has 4 nodes and 5 interfaces.

| | capture off | capture on |
| --- | --- | --- |
| lab up | ${results.labUpMs.off} ms | ${results.labUpMs.on} ms |
| lab down | ${results.labDownMs.off} ms | ${results.labDownMs.on} ms |
| call set-up (INVITE → 200 OK) | ${results.callSetupMs.off} ms | ${results.callSetupMs.on} ms |
| \`@baseline\` scenarios, wall time (CALLPATH_CAPTURE off / failed) | ${(results.baselineSuiteMs.off / 1000).toFixed(1)} s | ${(results.baselineSuiteMs.failed / 1000).toFixed(1)} s |

Keeping a capture (a failed scenario, \`@capture\`, or CALLPATH_CAPTURE=all) costs the teardown the merge, the
dissection and the ladder: ${results.mergeDissectLadderMs} ms for a 5 s call (${results.capturedFramesDissected} frames dissected, a
${(results.pcapngBytes / 1024).toFixed(0)} KiB pcapng). tcpdump's CPU time in the router over that lab's life (two interfaces, both
RTP directions on each): ${results.tcpdumpCpuMsInRouter} ms.
`,
);
