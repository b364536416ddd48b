import { setWorldConstructor, World, type IWorldOptions } from "@cucumber/cucumber";
import { join } from "node:path";
import type { CallOutcome } from "../../src/calls/outcome.js";
import type { OneWayResult } from "../../src/calls/one-way.js";
import type { QualitySample } from "../../src/calls/media-quality.js";
import { LabError } from "../../src/common/errors.js";
import { stderrLogger } from "../../src/common/log.js";
import { builtinKinds } from "../../src/kinds/builtin.js";
import { PROJECT_ROOT, type ImageName } from "../../src/lab/images.js";
import { Lab } from "../../src/lab/lab.js";
import type { StartedLab } from "../../src/lab/started-lab.js";
import { loadTopology, type TopologyOverrides } from "../../src/topology/load.js";

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
    this.current = await new Lab(topo, { images: runState.images, log: this.labLog }).start();
    return this.current;
  }

  async stopLab(): Promise<void> {
    const lab = this.current;
    this.current = undefined;
    await lab?.stop();
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
