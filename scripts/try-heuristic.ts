// A developer's loop: one lab, one seat, one heuristic, the judged run as JSON.
// npx tsx scripts/try-heuristic.ts <topology> <seat> <heuristic> [dotted.path=yaml ...]
import { stderrLogger } from "../src/common/log.js";
import { builtinKinds } from "../src/kinds/builtin.js";
import { ensureDockerEngine } from "../src/lab/docker-engine.js";
import { ensureImages } from "../src/lab/images.js";
import { Lab } from "../src/lab/lab.js";
import { topologyPath } from "../src/cli/validate.js";
import { loadTopology } from "../src/topology/load.js";
import { heuristicSource, prepareScript } from "../src/diagnose/heuristic-source.js";
import { heuristicEnv } from "../src/diagnose/heuristic-env.js";
import { runScript } from "../src/diagnose/run-heuristic.js";

const [topology, seat, heuristic, ...sets] = process.argv.slice(2);
if (!topology || !seat || !heuristic) {
  process.stderr.write("usage: tsx scripts/try-heuristic.ts <topology> <seat> <heuristic> [path=value ...]\n");
  process.exit(2);
}
const overrides = sets.map((s) => [s.slice(0, s.indexOf("=")), s.slice(s.indexOf("=") + 1)] as const);
const log = stderrLogger();
const src = await heuristicSource(heuristic);
if (src.kind !== "script") throw new Error("this script runs scripts only");
const script = await prepareScript(src);
const topo = await loadTopology(topologyPath(topology), builtinKinds(), overrides);
const d = await ensureDockerEngine(log);
const images = await ensureImages(d, log);
const lab = await new Lab(topo, { images, log }).start();
try {
  const limitMs = Number(process.env.LIMIT_MS ?? 30_000);
  const run = await runScript(lab, seat, script, heuristicEnv(lab, seat, limitMs), limitMs);
  process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
} finally {
  await lab.stop();
}
