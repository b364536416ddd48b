// What every benchmark shares: the Docker engine and images, how runs are summarised, and BENCHMARKS.md,
// where each benchmark owns one section and leaves the others alone.
import { cpus } from "node:os";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { reachedAfter } from "../src/calls/ice-report.js";
import { stderrLogger } from "../src/common/log.js";
import type { StartedLab } from "../src/lab/started-lab.js";
import { ensureDockerEngine } from "../src/lab/docker-engine.js";
import { ensureImages, type ImageName, PROJECT_ROOT } from "../src/lab/images.js";
import { Lab } from "../src/lab/lab.js";
import type { ResolvedTopology } from "../src/topology/types.js";

export const RUNS = Number(process.env.BENCH_RUNS ?? 5);
export const log = stderrLogger("bench");

export { median, quantile } from "../src/common/stats.js";

export const machine = (): string => `${process.platform} ${process.arch}, ${cpus().length} cores, node ${process.version}`;

/** The engine and images every benchmark needs, built before anything is timed. */
export async function benchSetup(): Promise<{ docker: Awaited<ReturnType<typeof ensureDockerEngine>>; images: Awaited<ReturnType<typeof ensureImages>> }> {
  const docker = await ensureDockerEngine(log);
  return { docker, images: await ensureImages(docker, log) };
}

/** Starts a lab, records how long it took to come up in `up`, runs `use` on it, and stops it whatever happens. */
export async function withTimedLab<T>(
  topo: ResolvedTopology,
  images: Record<ImageName, string>,
  up: number[],
  use: (lab: StartedLab) => Promise<T>,
): Promise<T> {
  const t = performance.now();
  const lab = await new Lab(topo, { images }).start();
  up.push(performance.now() - t);
  try {
    return await use(lab);
  } finally {
    await lab.stop();
  }
}

/** Replaces the section of BENCHMARKS.md that starts with `heading` (or appends it). */
export async function writeSection(heading: string, section: string): Promise<void> {
  const file = join(PROJECT_ROOT, "BENCHMARKS.md");
  const old = await readFile(file, "utf8").catch(() => "# Benchmarks\n\n");
  section = `${section.trimEnd()}\n`;
  const start = old.indexOf(heading);
  const end = start < 0 ? -1 : old.indexOf("\n## ", start + 1);
  const next = start < 0 ? `${old.trimEnd()}\n\n${section}` : `${old.slice(0, start)}${section}${end < 0 ? "" : `\n${old.slice(end + 1)}`}`;
  await writeFile(file, next);
}

const earliest = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.min(a, b));

/** Places a WebRTC call and times it: INVITE → 200 OK, and the caller's ICE and DTLS reaching connected. */
export async function timedWebRtcCall(
  lab: StartedLab,
  caller: string,
  callee: string,
  what: string,
): Promise<{ sipSetupMs: number; iceConnectedMs: number; dtlsConnectedMs: number }> {
  const outcome = await lab.agent(caller).call(callee);
  if (!outcome.established) throw new Error(`${what}: call not established: ${outcome.failedStage} ${outcome.reason}`);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = (await lab.agent(caller).ice(outcome.callId))[0]?.ice;
    const t0 = r?.timeline[0]?.at ?? 0;
    // A full-ICE peer (rtpengine) takes the controlling agent to "completed" without "connected".
    const ice = r && earliest(reachedAfter(r, "ice", "connected", t0), reachedAfter(r, "ice", "completed", t0));
    const dtls = r && reachedAfter(r, "dtls", "connected", t0);
    if (ice != null && dtls != null) return { sipSetupMs: outcome.setupMs!, iceConnectedMs: ice, dtlsConnectedMs: dtls };
    if (Date.now() > deadline) throw new Error(`${what}: ICE/DTLS not connected within 15 s`);
    await new Promise((res) => setTimeout(res, 100));
  }
}
