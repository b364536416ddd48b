// A developer's loop for captures: one lab with capture on, a call from one agent to another, the merged
// pcapng written to a folder (with tshark's dissection beside it, the input the ladder is drawn from).
// npx tsx scripts/try-capture.ts <topology> <caller> <callee> <out-dir> [dotted.path=yaml ...]
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sharedAnalyzer, closeSharedAnalyzer } from "../src/capture/analyzer.js";
import { DEFAULT_RING } from "../src/capture/capture-plan.js";
import { stderrLogger } from "../src/common/log.js";
import { builtinKinds } from "../src/kinds/builtin.js";
import { ensureDockerEngine } from "../src/lab/docker-engine.js";
import { ensureImages } from "../src/lab/images.js";
import { Lab } from "../src/lab/lab.js";
import { topologyPath } from "../src/cli/validate.js";
import { loadTopology } from "../src/topology/load.js";

const [topology, caller, callee, out, ...sets] = process.argv.slice(2);
if (!topology || !caller || !callee || !out) {
  process.stderr.write("usage: tsx scripts/try-capture.ts <topology> <caller> <callee> <out-dir> [path=value ...]\n");
  process.exit(2);
}
const overrides = sets.map((s) => [s.slice(0, s.indexOf("=")), s.slice(s.indexOf("=") + 1)] as const);
const log = stderrLogger();
const topo = await loadTopology(topologyPath(topology), builtinKinds(), overrides);
const d = await ensureDockerEngine(log);
const images = await ensureImages(d, log);
const lab = await new Lab(topo, { images, log, capture: DEFAULT_RING }).start();
try {
  await Promise.all([lab.agent(caller).register(), lab.agent(callee).register()]);
  const outcome = await lab.agent(caller).call(callee);
  log(`call: ${outcome.established ? "established" : `failed ${outcome.failedStage} ${outcome.finalStatus ?? ""}`}`);
  await new Promise((r) => setTimeout(r, Number(process.env.HOLD_MS ?? 2000)));
  if (outcome.established) await lab.agent(caller).hangup();
  await new Promise((r) => setTimeout(r, 500));
  const analyzer = await sharedAnalyzer(d, images.analyzer);
  const started = Date.now();
  const merged = await lab.capture!.merge(analyzer, { final: true });
  log(`merged ${merged.pcapng.length} bytes in ${Date.now() - started} ms; dropped ${merged.dropped}; tls keys ${merged.tlsKeys}; ${merged.warnings}`);
  await mkdir(out, { recursive: true });
  await writeFile(join(out, `${topo.name}.pcapng`), merged.pcapng);
  await writeFile(join(out, `${topo.name}.interfaces.json`), JSON.stringify(merged.interfaces, null, 2));
  await merged.discard();
} finally {
  await lab.stop();
  await closeSharedAnalyzer();
}
