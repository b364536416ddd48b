// Runs scenarios N times and writes each scenario's pass count and failure messages, for RELIABILITY.md.
// Usage: npm run soak -- --tags "<expr>" --times N [--parallel P] [--out reports/soak]
//        npm run soak -- --summarize <dir>[,<dir>...] --out <dir>   (tally runs made earlier, together)
// Each run is a fresh cucumber-js process (its own BeforeAll, sweep and labs), as CI runs them.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { soakSummary, type RunResult } from "./soak-summary.js";

const { values } = parseArgs({
  options: {
    tags: { type: "string" },
    times: { type: "string", default: "3" },
    parallel: { type: "string" },
    out: { type: "string", default: "reports/soak" },
    name: { type: "string" },
    summarize: { type: "string" },
  },
});
if (values.summarize) {
  const runs: RunResult[] = values.summarize
    .split(",")
    .flatMap((dir) =>
      readdirSync(dir)
        .filter((f) => /^run-\d+\.ndjson$/.test(f))
        .sort()
        .map((f) => ({ dir, f })),
    )
    .map(({ dir, f }, i) => ({ run: i + 1, exitCode: null, seconds: 0, messages: readFileSync(join(dir, f), "utf8") }));
  const summary = soakSummary(runs);
  mkdirSync(values.out!, { recursive: true });
  writeFileSync(join(values.out!, "soak.json"), `${JSON.stringify({ from: values.summarize, ...summary.json }, null, 2)}\n`);
  writeFileSync(join(values.out!, "soak.md"), summary.markdown);
  process.stdout.write(summary.markdown);
  process.exit(summary.json.scenarios.every((s) => s.passed === s.runs) ? 0 : 1);
}
const times = Number(values.times);
if (!Number.isInteger(times) || times < 1 || times > 1000) {
  process.stderr.write("soak: --times must be a whole number from 1 to 1000\n");
  process.exit(2);
}
mkdirSync(values.out!, { recursive: true });
const runs: RunResult[] = [];
for (let i = 1; i <= times; i++) {
  const messages = join(values.out!, `run-${i}.ndjson`);
  const args = ["cucumber-js", "--format", `message:${messages}`, "--format", "progress"];
  if (values.tags) args.push("--tags", values.tags);
  if (values.name) args.push("--name", values.name);
  if (values.parallel) args.push("--parallel", values.parallel);
  const started = Date.now();
  process.stderr.write(`soak: run ${i}/${times}: npx ${args.join(" ")}\n`);
  const r = spawnSync("npx", args, { stdio: ["ignore", "inherit", "inherit"] });
  runs.push({ run: i, exitCode: r.status, seconds: (Date.now() - started) / 1000, messages: readFileSync(messages, "utf8") });
}
const summary = soakSummary(runs);
writeFileSync(join(values.out!, "soak.json"), `${JSON.stringify({ tags: values.tags ?? null, times, ...summary.json }, null, 2)}\n`);
writeFileSync(join(values.out!, "soak.md"), summary.markdown);
process.stdout.write(summary.markdown);
process.exit(summary.json.scenarios.every((s) => s.passed === times) ? 0 : 1);
