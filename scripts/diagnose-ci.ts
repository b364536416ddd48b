// CI's real diagnose run (npm run test:diagnose): the small matrix, with callpath's reference probe, a
// heuristic that crashes, and one shipped as a container image, through the CLI as a user runs it. It fails
// unless the reference probe is right on every verdict it gives, the crash is recorded as one in every
// case without stopping the run, and the image ran beside its seats.
import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile, copyFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { stderrLogger } from "../src/common/log.js";
import type { DiagnoseReport } from "../src/diagnose/report.js";
import { ensureDockerEngine } from "../src/lab/docker-engine.js";
import { ensureImages, PROJECT_ROOT } from "../src/lab/images.js";
import { IMAGE_LABEL } from "../src/lab/labels.js";

const run = promisify(execFile);
const IMAGE = "callpath-test/always-alg:ci";
const OUT = join(PROJECT_ROOT, "reports", "diagnose-ci");
const fail = (why: string): never => {
  process.stderr.write(`test:diagnose: ${why}\n`);
  process.exit(1);
};

const log = stderrLogger();
const d = await ensureDockerEngine(log);
const images = await ensureImages(d, log);
const ctx = await mkdtemp(join(tmpdir(), "callpath-heuristic-image-"));
try {
  await copyFile(join(PROJECT_ROOT, "features/fixtures/heuristics/always-alg.sh"), join(ctx, "always-alg.sh"));
  await writeFile(join(ctx, "Dockerfile"), `FROM ${images.base}\nCOPY always-alg.sh /always-alg.sh\nENTRYPOINT ["/always-alg.sh"]\nCMD []\n`);
  await run("docker", ["build", "-q", "-t", IMAGE, "--label", `${IMAGE_LABEL}=heuristic-test`, ctx]);
} finally {
  await rm(ctx, { recursive: true, force: true });
}
try {
  const args = [
    join(PROJECT_ROOT, "bin/callpath.mjs"),
    "diagnose",
    "--matrix",
    join(PROJECT_ROOT, "matrices/ci.yaml"),
    "--heuristic",
    "reference",
    "--heuristic",
    "features/fixtures/heuristics/crash.sh",
    "--heuristic",
    `image:${IMAGE}`,
    "--parallel",
    process.env.CALLPATH_DIAGNOSE_PARALLEL ?? "2",
    "--out",
    OUT,
    ...["sipAlg", "sipAlgUdp", "sipAlgTcp", "udpBlocked", "stunOverTcpBlocked", "vpn", "natType", "natMapping", "natFiltering"].flatMap((q) => [
      "--require",
      `reference:${q}=1,1`,
    ]),
  ];
  const code = await new Promise<number | null>((resolve) => spawn(process.execPath, args, { stdio: "inherit", cwd: PROJECT_ROOT }).on("exit", resolve));
  const report = JSON.parse(await readFile(join(OUT, "results.json"), "utf8")) as DiagnoseReport;
  if (code !== 0) fail(`callpath diagnose exited ${code} (a requirement missed or a case could not run; see above and ${OUT}/summary.txt)`);
  const ref = report.scores.filter((s) => s.heuristic === "reference");
  if (ref.length < 5) fail(`the reference probe answered only ${ref.map((s) => s.question).join(", ")}`);
  const answered = report.judgements.filter((j) => j.heuristic === "reference" && (j.outcome === "right" || j.outcome === "wrong")).length;
  if (answered < report.results.length * 4) fail(`the reference probe gave only ${answered} verdicts over ${report.results.length} cases`);
  for (const r of report.results) {
    if (r.runs.crash?.status !== "crashed") fail(`${r.case.id}: crash.sh was recorded as ${r.runs.crash?.status}, not crashed`);
    const image = r.runs[IMAGE];
    const ownVpn = r.case.seat === "erin";
    if (ownVpn ? image?.status !== "not-run" : image?.status !== "ok") fail(`${r.case.id}: the image heuristic was ${image?.status}`);
  }
  process.stdout.write(`test:diagnose: ${report.results.length} cases, reference right on all ${answered} verdicts; crash and image recorded as expected\n`);
} finally {
  await run("docker", ["rmi", "-f", IMAGE]).catch(() => undefined);
}
