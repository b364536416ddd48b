// `npm run bench`: the baseline lab's up/down time against the same containers started and removed with
// plain `docker run`/`docker rm`, and one scenario end to end. Writes bench/results.json and the
// "Lab engine" section of BENCHMARKS.md.
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { builtinKinds } from "../src/kinds/builtin.js";
import { writeJson } from "../src/common/json-file.js";
import { PROJECT_ROOT } from "../src/lab/images.js";
import { Lab } from "../src/lab/lab.js";
import { loadTopology } from "../src/topology/load.js";
import { benchSetup, log, machine, median, RUNS, writeSection } from "./bench-kit.js";

const { images } = await benchSetup();
const topo = await loadTopology(join(PROJECT_ROOT, "topologies/baseline.yaml"), builtinKinds());

const labUp: number[] = [];
const labDown: number[] = [];
for (let i = 0; i < RUNS; i++) {
  let t = performance.now();
  const lab = await new Lab(topo, { images }).start();
  labUp.push(performance.now() - t);
  t = performance.now();
  await lab.stop();
  labDown.push(performance.now() - t);
}

// The same four containers on two networks with the docker CLI: no routes, no rules, no readiness checks.
const docker = (...args: string[]): string => execFileSync("docker", args, { encoding: "utf8" }).trim();
const plainUp: number[] = [];
const plainDown: number[] = [];
const label = "io.callpath.lab=bench-plain";
for (let i = 0; i < RUNS; i++) {
  let t = performance.now();
  docker("network", "create", "--label", label, "--subnet", "10.123.250.0/24", "--gateway", "10.123.250.254", "cp-bench-lan");
  docker("network", "create", "--label", label, "--subnet", "198.51.100.224/27", "--gateway", "198.51.100.254", "cp-bench-wan");
  const run = (name: string, image: string, net: string, ip: string): Promise<void> =>
    new Promise((res, rej) => {
      const p = spawnSync("docker", [
        "run",
        "-d",
        "--label",
        label,
        "--name",
        name,
        "--cap-add",
        "NET_ADMIN",
        "--network",
        net,
        "--ip",
        ip,
        "--entrypoint",
        "sleep",
        image,
        "infinity",
      ]);
      if (p.status === 0) res();
      else rej(new Error(p.stderr.toString()));
    });
  await run("cp-bench-kamailio", images["sip-server"], "cp-bench-wan", "198.51.100.225");
  await run("cp-bench-nat1", images["nat-router"], "cp-bench-lan", "10.123.250.1");
  docker("network", "connect", "--ip", "198.51.100.226", "cp-bench-wan", "cp-bench-nat1");
  await run("cp-bench-alice", images["user-agent"], "cp-bench-lan", "10.123.250.2");
  await run("cp-bench-bob", images["user-agent"], "cp-bench-wan", "198.51.100.227");
  plainUp.push(performance.now() - t);
  t = performance.now();
  docker("rm", "-f", "cp-bench-kamailio", "cp-bench-nat1", "cp-bench-alice", "cp-bench-bob");
  docker("network", "rm", "cp-bench-lan", "cp-bench-wan");
  plainDown.push(performance.now() - t);
}

// One scenario end to end, as a user runs it (cucumber process, images already built).
const scenario: number[] = [];
for (let i = 0; i < Math.min(RUNS, 3); i++) {
  const t = performance.now();
  const r = spawnSync("npx", ["cucumber-js", "--name", "alice calls bob through her NAT", "--format", "summary"], {
    env: { ...process.env, NODE_OPTIONS: "--import tsx" },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`scenario failed during the benchmark:\n${r.stdout}\n${r.stderr}`);
  scenario.push(performance.now() - t);
}

const results = {
  date: new Date().toISOString(),
  machine: machine(),
  runs: RUNS,
  labUpMs: labUp.map(Math.round),
  labDownMs: labDown.map(Math.round),
  plainUpMs: plainUp.map(Math.round),
  plainDownMs: plainDown.map(Math.round),
  scenarioMs: scenario.map(Math.round),
  medians: {
    labUpMs: Math.round(median(labUp)),
    plainUpMs: Math.round(median(plainUp)),
    upRatio: +(median(labUp) / median(plainUp)).toFixed(2),
    labDownMs: Math.round(median(labDown)),
    plainDownMs: Math.round(median(plainDown)),
    downRatio: +(median(labDown) / median(plainDown)).toFixed(2),
    scenarioMs: Math.round(median(scenario)),
  },
  targets: { upRatio: 1.3, scenarioMs: 15_000 },
};
await writeJson(join(PROJECT_ROOT, "bench/results.json"), results);

const m = results.medians;
const section = `## Lab engine (baseline topology)

Measured by \`npm run bench\` on ${results.date.slice(0, 10)} (${results.machine}), median of ${RUNS} runs; raw numbers in
\`bench/results.json\`.

| what | callpath lab | plain \`docker run\`/\`docker rm\` | ratio | target |
|---|---|---|---|---|
| up (4 nodes, 2 networks) | ${m.labUpMs} ms | ${m.plainUpMs} ms | ${m.upRatio}× | ≤ 1.3× ${m.upRatio <= 1.3 ? "(met)" : "(**not met**)"} |
| down | ${m.labDownMs} ms | ${m.plainDownMs} ms | ${m.downRatio}× | — |
| one scenario end to end (\`alice calls bob through her NAT\`, cucumber process included) | ${m.scenarioMs} ms | — | — | ≤ 15 s ${m.scenarioMs <= 15_000 ? "(met)" : "(**not met**)"} |

The lab does more than the plain containers: it allocates and checks subnets against the host, replaces every
node's routes, loads nftables, checks that the lab is sealed, releases services in stages and waits for
Kamailio and both agents to answer. The scenario holds 5 s of measured audio by design.
`;
await writeSection("## Lab engine", section);
log(`up ${m.labUpMs} ms vs plain ${m.plainUpMs} ms (${m.upRatio}×); scenario ${m.scenarioMs} ms`);
