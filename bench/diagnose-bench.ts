// The diagnose runner's cost: a matrix's wall time at --parallel 1 and 2, and the time per case (lab up and
// down, and each heuristic's run). BENCH_MATRIX picks the matrix (default matrices/ci.yaml), BENCH_HEURISTICS
// the heuristics (default: reference). Results in bench/diagnose-results.json and BENCHMARKS.md.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { topologyPath } from "../src/cli/validate.js";
import { heuristicSource } from "../src/diagnose/heuristic-source.js";
import { loadMatrix } from "../src/diagnose/matrix.js";
import { readyHeuristics, runDiagnose } from "../src/diagnose/runner.js";
import { deriveTruth } from "../src/diagnose/truth.js";
import { builtinKinds } from "../src/kinds/builtin.js";
import { PROJECT_ROOT } from "../src/lab/images.js";
import { benchSetup, log, machine, median, quantile, writeSection } from "./bench-kit.js";

const matrixFile = process.env.BENCH_MATRIX ?? join(PROJECT_ROOT, "matrices", "ci.yaml");
const names = (process.env.BENCH_HEURISTICS ?? "reference").split(",");
const { docker, images } = await benchSetup();
const { matrix, cases } = await loadMatrix(matrixFile);
const heuristics = await readyHeuristics(docker, await Promise.all(names.map((n) => heuristicSource(n))));

const rows: Array<{ parallel: number; wallMs: number; caseMs: number[]; labMs: number[]; runMs: Record<string, number[]> }> = [];
for (const parallel of [1, 2]) {
  const started = Date.now();
  const results = await runDiagnose({
    cases,
    heuristics,
    parallel,
    timeLimitMs: matrix.timeLimitMs,
    images,
    kinds: builtinKinds(),
    derive: deriveTruth,
    topologyFile: topologyPath,
    docker,
    onCase: (r, done, total) => log(`--parallel ${parallel} [${done}/${total}] ${r.case.id}${r.error ? ` ERROR ${r.error}` : ""}`),
  });
  const failed = results.filter((r) => r.error);
  if (failed.length > 0) throw new Error(`cases failed: ${failed.map((r) => `${r.case.id}: ${r.error}`).join("; ")}`);
  const runMs: Record<string, number[]> = {};
  for (const r of results) for (const [h, run] of Object.entries(r.runs)) if ("ms" in run) (runMs[h] ??= []).push(run.ms);
  const labMs = results.map((r) => r.labMs - Object.values(r.runs).reduce((s, run) => s + ("ms" in run ? run.ms : 0), 0));
  rows.push({ parallel, wallMs: Date.now() - started, caseMs: results.map((r) => r.labMs), labMs, runMs });
}

const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
await writeFile(
  join(PROJECT_ROOT, "bench", "diagnose-results.json"),
  `${JSON.stringify({ date: new Date().toISOString(), machine: machine(), matrix: matrix.name, cases: cases.length, heuristics: names, rows }, null, 2)}\n`,
);
const lines = [
  "## Diagnose: a matrix's wall time",
  "",
  `\`npm run bench\` (bench/diagnose-bench.ts), ${new Date().toISOString().slice(0, 10)}, ${machine()}: matrix \`${matrix.name}\` (${cases.length} cases), heuristics ${names.join(", ")}.`,
  "A case is one lab: up, each heuristic in turn at the seat, down.",
  "",
  "| --parallel | wall time | per case, median (p90) | lab up + down, median | heuristic run, median |",
  "|---|---|---|---|---|",
  ...rows.map(
    (r) =>
      `| ${r.parallel} | ${s(r.wallMs)} | ${s(median(r.caseMs))} (${s(quantile(r.caseMs, 0.9))}) | ${s(median(r.labMs))} | ${Object.entries(r.runMs)
        .map(([h, v]) => `${h} ${s(median(v))}`)
        .join(", ")} |`,
  ),
  "",
  `Speed-up at --parallel 2: ${(rows[0]!.wallMs / rows[1]!.wallMs).toFixed(2)}×. The heuristic's own run hardly changes (${s(median(Object.values(rows[0]!.runMs)[0] ?? [0]))} → ${s(median(Object.values(rows[1]!.runMs)[0] ?? [0]))}: it mostly waits on probe timeouts), while bringing a lab up and down competes for the 2 cores (${s(median(rows[0]!.labMs))} → ${s(median(rows[1]!.labMs))}), which is what limits the gain. Cases that need the kernel SIP helper's global parameters with different values take turns whatever --parallel says. The standard matrix (47 cases, four heuristics) took 18.3 min at --parallel 2 (DIAGNOSTICS.md).`,
];
await writeSection("## Diagnose: a matrix's wall time", lines.join("\n"));
log(`wrote bench/diagnose-results.json and BENCHMARKS.md`);
