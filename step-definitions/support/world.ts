import type { NatPreset } from "../../src/kinds/nat-router/nat-behaviour.js";
import { setWorldConstructor, World, type IWorldOptions } from "@cucumber/cucumber";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CallOutcome } from "../../src/calls/outcome.js";
import type { OneWayResult } from "../../src/calls/one-way.js";
import type { QualitySample } from "../../src/calls/media-quality.js";
import { LabError } from "../../src/common/errors.js";
import { stderrLogger } from "../../src/common/log.js";
import { builtinKinds } from "../../src/kinds/builtin.js";
import { PROJECT_ROOT, type ImageName } from "../../src/lab/images.js";
import { Lab } from "../../src/lab/lab.js";
import { withFileLock } from "../../src/common/file-lock.js";
import type { StartedLab } from "../../src/lab/started-lab.js";
import { loadTopology, type TopologyOverrides } from "../../src/topology/load.js";
import type { HeuristicRun, Verdict } from "../../src/diagnose/contract.js";
import { isRight, type QuestionId } from "../../src/diagnose/questions.js";
import { runHeuristicInLab } from "../../src/diagnose/run-heuristic.js";
import { deriveTruth } from "../../src/diagnose/truth.js";
import { captureSettings } from "../../src/capture/capture-settings.js";

const LAB_START_LOCK = join(tmpdir(), "callpath-lab-start.lock");

/** Images are built once per run (BeforeAll) and shared by every scenario's lab. */
export const runState: { images?: Record<ImageName, string> } = {};

/** A call placed in the scenario, and whether a step has looked at how it went. */
export interface LedgerEntry {
  readonly caller: string;
  readonly callee: string;
  outcome: CallOutcome;
  observed: boolean;
}

/** Owns at most one running lab per scenario, and the calls placed in it. */
export class LabWorld extends World {
  private current: StartedLab | undefined;
  private starting: Promise<StartedLab> | undefined;
  readonly calls: LedgerEntry[] = [];
  readonly labLog = stderrLogger();
  /** The last mirror probe each agent sent: what it wrote and what arrived. */
  readonly probes = new Map<string, { sent: string; received: string; source: string }>();
  /** Media quality of the scenario's calls, per label, per agent. */
  readonly quality = new Map<string, Record<string, QualitySample>>();
  /** The last one-way packet run (impairment steps). */
  oneWay: OneWayResult | undefined;
  /** Call-ID of a request a stranger sent in this scenario. */
  strayCallId: string | undefined;
  /** NAT presets changed in this scenario (`When <router>'s NAT changes to <preset>`): the topology still names the first. */
  readonly natInForce = new Map<string, NatPreset>();
  /** Heuristic runs in this scenario, with the seat each ran on. */
  readonly heuristicRuns: Array<{ seat: string; run: HeuristicRun }> = [];

  constructor(options: IWorldOptions) {
    super(options);
  }

  get lab(): StartedLab {
    if (!this.current) throw new LabError(`no lab is running — start with 'Given the "<topology>" topology is running'`);
    return this.current;
  }

  get hasLab(): boolean {
    return this.current !== undefined;
  }

  async startLab(topology: string, overrides: TopologyOverrides = []): Promise<StartedLab> {
    if (this.current) throw new LabError(`a lab (${this.current.topology.name}) is already running in this scenario`);
    if (!runState.images) throw new LabError("images were not prepared (BeforeAll did not run)");
    const topo = await loadTopology(join(PROJECT_ROOT, "topologies", `${topology}.yaml`), builtinKinds(), overrides);
    const capture = captureSettings();
    const lab = new Lab(topo, { images: runState.images, log: this.labLog, capture: capture.mode === "off" ? undefined : capture.ring });
    // Parallel workers start their labs one at a time: a start takes both cores of a 2-core host for
    // seconds, and two at once only make each slower and load the other scenario's timed steps longer.
    const starting = process.env.CUCUMBER_WORKER_ID
      ? withFileLock(LAB_START_LOCK, () => lab.start(), { what: "another scenario is starting its lab" })
      : lab.start();
    // A start that outlives its step's timeout goes on in the background: the After hook waits for it and
    // stops what it started, or its lab would outlive the scenario.
    this.starting = starting;
    try {
      this.current = await starting;
    } finally {
      this.starting = undefined;
    }
    return this.current;
  }

  async stopLab(): Promise<void> {
    const starting = this.starting;
    this.starting = undefined;
    const lab = this.current ?? (await starting?.catch(() => undefined));
    this.current = undefined;
    await lab?.stop();
  }

  async runHeuristic(heuristic: string, seat: string, limitMs: number): Promise<void> {
    const run = await runHeuristicInLab(this.lab, heuristic, seat, limitMs, PROJECT_ROOT);
    this.heuristicRuns.push({ seat, run });
    await this.attach(JSON.stringify({ heuristic, seat, run }, null, 2), { mediaType: "application/json", fileName: `heuristic-${seat}.json` });
  }

  lastHeuristicRun(): HeuristicRun {
    const last = this.heuristicRuns.at(-1);
    if (!last) throw new LabError("no heuristic has run in this scenario");
    return last.run;
  }

  lastVerdicts(): Partial<Record<QuestionId, Verdict>> {
    const run = this.lastHeuristicRun();
    if (run.status !== "ok")
      throw new LabError(`the heuristic gave no verdicts: it ${run.status === "timeout" ? "timed out" : run.status} (${run.stderr.slice(-300)})`);
    return run.verdicts;
  }

  /** The last run's verdicts against the ground truth of its seat: "question: said x, truth y" per verdict. */
  heuristicAgainstTruth(): { right: string[]; wrong: string[]; inconclusive: string[] } {
    const last = this.heuristicRuns.at(-1)!;
    const verdicts = this.lastVerdicts();
    const truth = deriveTruth(this.lab.topology, last.seat);
    const out = { right: [] as string[], wrong: [] as string[], inconclusive: [] as string[] };
    for (const [q, v] of Object.entries(verdicts) as Array<[QuestionId, Verdict]>) {
      const t = truth.answers[q];
      if (t === undefined) continue;
      const line = `${q}: said ${v.verdict}, truth ${t} (${v.evidence.slice(0, 200)})`;
      if (v.verdict === "inconclusive") out.inconclusive.push(line);
      else (isRight(q, t, v.verdict) ? out.right : out.wrong).push(line);
    }
    return out;
  }

  /** The most recent call, or the most recent one `caller` placed. Marks it as looked at. */
  lastCall(caller?: string): LedgerEntry {
    const entry = [...this.calls].reverse().find((c) => !caller || c.caller === caller);
    if (!entry) throw new LabError(caller ? `${caller} has placed no call in this scenario` : "no call was placed in this scenario");
    entry.observed = true;
    return entry;
  }
}

setWorldConstructor(LabWorld);
