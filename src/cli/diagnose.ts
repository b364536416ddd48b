import { join, resolve } from "node:path";
import { stderrLogger } from "../common/log.js";
import { builtinKinds } from "../kinds/builtin.js";
import { ensureDockerEngine } from "../lab/docker-engine.js";
import { ensureImages, PROJECT_ROOT } from "../lab/images.js";
import { heuristicSource } from "../diagnose/heuristic-source.js";
import { loadMatrix } from "../diagnose/matrix.js";
import { buildReport, runStatus, summaryText, writeReport } from "../diagnose/report.js";
import { readyHeuristics, runDiagnose } from "../diagnose/runner.js";
import { judge, missed, parseRequirement, questionsAnswered, scoreQuestion, type CaseResult } from "../diagnose/score.js";
import type { Truth } from "../diagnose/truth-types.js";
import type { ResolvedTopology } from "../topology/types.js";
import { FAILED, OK, UsageError, type Command } from "./command.js";
import { topologyPath } from "./validate.js";

export const DEFAULT_MATRIX = join(PROJECT_ROOT, "matrices", "standard.yaml");
const MAX_PARALLEL = 8;

function progressLine(r: CaseResult, done: number, total: number, heuristics: readonly string[]): string {
  const parts = heuristics.map((h) => {
    const run = r.runs[h];
    const status = runStatus(r, h);
    if (run?.status !== "ok" || !r.truth) return `${h}: ${status}`;
    const js = judge([r], h, questionsAnswered([r], h));
    const n = (o: string): number => js.filter((j) => j.outcome === o).length;
    return `${h}: ${n("right")} right, ${n("wrong")} wrong, ${n("inconclusive")} inconclusive (${(run.ms / 1000).toFixed(1)} s)`;
  });
  const head = `[${String(done).padStart(String(total).length)}/${total}] ${r.case.id}`;
  return `${head}  ${(r.labMs / 1000).toFixed(1)} s  ${r.error ? `ERROR ${r.error}` : parts.join("; ")}\n`;
}

export function diagnoseCommand(derive: (t: ResolvedTopology, seat: string) => Truth): Command {
  return {
    usage: "diagnose --heuristic <path|name|image:ref>... [--matrix <file>] [--parallel N] [--out <dir>] [--require [h:]q=p,r]...",
    summary: "score diagnostic heuristics against the ground truth of every case in a matrix",
    help: [
      "Runs each heuristic in every case of a matrix (topologies × variants × seats; default matrices/standard.yaml):",
      "a lab per case, each heuristic in turn at the seat, its verdicts judged against the truth derived from the",
      "topology. Writes results.json, junit.xml, index.html and summary.txt under --out (default reports/diagnose).",
      "A heuristic is a .ts/.js file (bundled, run by the seat's Node), an executable, one of callpath's own by name",
      "(reference, stun-client, turnutils-natdiscovery, nat-type-identifier), or image:<ref> (a node beside the seat).",
      "--only <substring> keeps the cases whose id contains it. --time-limit <ms> overrides the matrix's per-run limit.",
      "Exit 0; 1 when a --require [heuristic:]question=precision,recall is missed or a case could not run; 2 on a usage error.",
    ].join("\n"),
    options: {
      heuristic: { type: "string", multiple: true },
      matrix: { type: "string" },
      parallel: { type: "string" },
      out: { type: "string" },
      require: { type: "string", multiple: true },
      only: { type: "string" },
      "time-limit": { type: "string" },
    },
    async run(positionals, values) {
      if (positionals.length > 0) throw new UsageError(`diagnose takes no positional arguments (got ${positionals.join(" ")}); use --heuristic`);
      const given = (values.heuristic as string[] | undefined) ?? [];
      if (given.length === 0) throw new UsageError("name at least one --heuristic");
      const parallel = Number((values.parallel as string | undefined) ?? "1");
      if (!Number.isInteger(parallel) || parallel < 1 || parallel > MAX_PARALLEL)
        throw new UsageError(`--parallel is a whole number from 1 to ${MAX_PARALLEL}`);
      let requirements: ReturnType<typeof parseRequirement>[];
      try {
        requirements = ((values.require as string[] | undefined) ?? []).map(parseRequirement);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      const limitText = values["time-limit"] as string | undefined;
      const limitOverride = limitText === undefined ? undefined : Number(limitText);
      if (limitOverride !== undefined && !(Number.isInteger(limitOverride) && limitOverride >= 1000 && limitOverride <= 600_000))
        throw new UsageError("--time-limit is milliseconds, from 1000 to 600000");
      const matrixFile = resolve((values.matrix as string | undefined) ?? DEFAULT_MATRIX);
      const { matrix, cases: all } = await loadMatrix(matrixFile);
      const only = values.only as string | undefined;
      const cases = only ? all.filter((c) => c.id.includes(only)) : all;
      if (cases.length === 0) throw new UsageError(`--only ${JSON.stringify(only)} matches none of the ${all.length} cases of ${matrixFile}`);
      const sources = await Promise.all(given.map((g) => heuristicSource(g).catch((e: Error) => Promise.reject(new UsageError(e.message)))));

      const log = stderrLogger();
      const d = await ensureDockerEngine(log);
      const images = await ensureImages(d, log);
      const heuristics = await readyHeuristics(d, sources);
      const names = heuristics.map((h) => h.name);
      process.stderr.write(`diagnose: ${cases.length} cases × ${names.join(", ")}, --parallel ${parallel}\n`);
      const started = Date.now();
      const results = await runDiagnose({
        cases,
        heuristics,
        parallel,
        timeLimitMs: limitOverride ?? matrix.timeLimitMs,
        images,
        kinds: builtinKinds(),
        derive,
        topologyFile: topologyPath,
        docker: d,
        // The labs' own chatter stays out of the progress lines.
        onCase: (r, done, total) => process.stdout.write(progressLine(r, done, total, names)),
      });
      const report = buildReport(matrix.name, names, results, Date.now() - started, parallel);
      const outDir = resolve((values.out as string | undefined) ?? join(PROJECT_ROOT, "reports", "diagnose"));
      const files = await writeReport(outDir, report);
      process.stdout.write(`\n${summaryText(report)}wrote ${files.join(", ")}\n`);

      // A requirement binds every heuristic that answers its question; one that no heuristic answers is missed.
      const misses = requirements.flatMap((req) => {
        if (req.heuristic && !names.includes(req.heuristic)) return [`--require names ${req.heuristic}, which did not run (heuristics: ${names.join(", ")})`];
        const scored = (req.heuristic ? [req.heuristic] : names)
          .map((h) => ({ h, js: judge(results, h, [req.question]).filter((j) => j.outcome !== "unanswered") }))
          .filter((x) => x.js.length > 0);
        if (scored.length === 0) return [`${req.heuristic ? `${req.heuristic} ` : ""}${req.question}: never answered in a case with a truth for it`];
        return scored.flatMap(({ h }) => {
          const m = missed(scoreQuestion(judge(results, h, [req.question]), h, req.question), req);
          return m ? [m] : [];
        });
      });
      const broken = results.filter((r) => r.error);
      for (const m of misses) process.stderr.write(`diagnose: requirement missed: ${m}\n`);
      for (const b of broken) process.stderr.write(`diagnose: case ${b.case.id} could not run: ${b.error}\n`);
      return misses.length > 0 || broken.length > 0 ? FAILED : OK;
    },
  };
}
