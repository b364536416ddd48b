import type Docker from "dockerode";
import { LabError } from "../common/errors.js";
import { quiet, type Logger } from "../common/log.js";
import { heuristicNode } from "../kinds/heuristic/index.js";
import type { KindRegistry } from "../kinds/registry.js";
import { resolveAlg, type NatRouterSpec } from "../kinds/nat-router/index.js";
import { differsFromDefaults, helperParamsOf } from "../kinds/nat-router/sip-helper-params.js";
import { userAgent, type UserAgentSpec } from "../kinds/user-agent/index.js";
import type { ImageName } from "../lab/images.js";
import { Lab } from "../lab/lab.js";
import type { StartedLab } from "../lab/started-lab.js";
import { loadTopology, type TopologyOverrides } from "../topology/load.js";
import type { ResolvedTopology } from "../topology/types.js";
import type { HeuristicRun } from "./contract.js";
import { heuristicEnv } from "./heuristic-env.js";
import { prepareScript, type HeuristicSource, type PreparedScript } from "./heuristic-source.js";
import type { MatrixCase } from "./matrix.js";
import { runScript } from "./run-heuristic.js";
import type { CaseResult, NotRun } from "./score.js";
import type { Truth } from "./truth-types.js";

/** A heuristic ready to run in any case: a script's bundle, or an image's own command line. */
export type ReadyHeuristic =
  | { readonly kind: "script"; readonly name: string; readonly script: PreparedScript }
  | { readonly kind: "image"; readonly name: string; readonly image: string; readonly argv: readonly string[] };

export interface RunnerOptions {
  readonly cases: readonly MatrixCase[];
  readonly heuristics: readonly ReadyHeuristic[];
  readonly parallel: number;
  readonly timeLimitMs: number;
  readonly images: Record<ImageName, string>;
  readonly kinds: KindRegistry;
  readonly derive: (topology: ResolvedTopology, seat: string) => Truth;
  /** A topology argument (a name under topologies/, or a path) → its file. */
  readonly topologyFile: (topology: string) => string;
  readonly log?: Logger;
  readonly docker?: Docker;
  /** Called once per case when it is done, in completion order. */
  readonly onCase?: (result: CaseResult, done: number, total: number) => void;
}

/** The image's own command (entrypoint then cmd): what runs when the runner execs it beside the seat. */
export async function imageHeuristic(d: Docker, src: Extract<HeuristicSource, { kind: "image" }>): Promise<ReadyHeuristic> {
  const info = await d
    .getImage(src.image)
    .inspect()
    .catch((e: Error) => {
      throw new LabError(`--heuristic image:${src.image}: no such image on this Docker engine (build or load it first): ${e.message.split("\n")[0]}`);
    });
  const argv = [...(info.Config.Entrypoint ?? []), ...(info.Config.Cmd ?? [])];
  if (argv.length === 0) throw new LabError(`--heuristic image:${src.image}: the image has neither ENTRYPOINT nor CMD: nothing to run`);
  return { kind: "image", name: src.image, image: src.image, argv };
}

/** Every heuristic as given, ready to run: scripts bundled or read once, images inspected for their command. */
export function readyHeuristics(d: Docker, sources: readonly HeuristicSource[]): Promise<ReadyHeuristic[]> {
  return Promise.all(
    sources.map(async (s) => (s.kind === "script" ? { kind: "script" as const, name: s.name, script: await prepareScript(s) } : imageHeuristic(d, s))),
  );
}

/** The node name an image heuristic gets in a case's lab. */
export const heuristicNodeName = (index: number): string => `heuristic${index + 1}`;

/**
 * The kernel SIP helper's parameters are global to the kernel (sip-helper-params.ts): which ones a case's
 * lab needs. Undefined: it uses no helper; "defaults": the helper as the kernel has it, shareable with other
 * such labs; anything else holds the host lock, so no other helper lab may run beside it.
 */
export function helperKey(topology: ResolvedTopology): string | undefined {
  const wanted = [...topology.nodes.values()].flatMap((n) => {
    if (n.kind !== "nat-router") return [];
    const alg = resolveAlg((n.spec as NatRouterSpec).alg);
    return alg.kind === "netfilter" ? [helperParamsOf(alg.helper)] : [];
  });
  if (wanted.length === 0) return undefined;
  if (!wanted.some(differsFromDefaults)) return "defaults";
  return [...new Set(wanted.map((p) => JSON.stringify(p)))].sort().join("|");
}

/** Whether a case holding `key` may start while cases holding `running` run. */
export function helperCompatible(key: string | undefined, running: readonly (string | undefined)[]): boolean {
  if (key === undefined) return true;
  const others = running.filter((k) => k !== undefined);
  return key === "defaults" ? others.every((k) => k === "defaults") : others.length === 0;
}

async function loadCase(o: RunnerOptions, c: MatrixCase): Promise<ResolvedTopology> {
  const file = o.topologyFile(c.topology);
  const plain = await loadTopology(file, o.kinds, c.overrides);
  const images = o.heuristics.filter((h) => h.kind === "image");
  if (images.length === 0) return plain;
  const seat = plain.nodes.get(c.seat);
  if (!seat || seat.kind !== userAgent.name) return plain;
  const spec = seat.spec as UserAgentSpec;
  const taken = o.heuristics.map((_, i) => heuristicNodeName(i)).filter((n) => plain.nodes.has(n));
  if (taken.length > 0)
    throw new LabError(`the topology already has node(s) ${taken.join(", ")}: the names image heuristics take beside the seat; rename them`);
  // Beside the seat: same network, same gateway, so its packets take the seat's path.
  const extra: TopologyOverrides = o.heuristics.flatMap((h, i) =>
    h.kind === "image"
      ? [
          [
            `nodes.${heuristicNodeName(i)}`,
            JSON.stringify({ kind: heuristicNode.name, image: h.image, network: spec.network, ...(spec.gateway ? { gateway: spec.gateway } : {}) }),
          ] as const,
        ]
      : [],
  );
  return loadTopology(file, o.kinds, [...c.overrides, ...extra]);
}

async function runOne(o: RunnerOptions, lab: StartedLab, c: MatrixCase, h: ReadyHeuristic, index: number): Promise<HeuristicRun | NotRun> {
  const env = heuristicEnv(lab, c.seat, o.timeLimitMs);
  if (h.kind === "script") return runScript(lab, c.seat, h.script, env, o.timeLimitMs);
  if ((lab.topology.nodes.get(c.seat)?.spec as UserAgentSpec | undefined)?.vpn)
    return {
      status: "not-run",
      reason: `the seat ${c.seat} runs its own VPN client; an image beside it would sit outside the tunnel (run it as a script instead)`,
    };
  const node = heuristicNodeName(index);
  return runScript(lab, node, { name: h.name, files: [], argv: h.argv }, { ...env, CALLPATH_SEAT_ADDRESS: lab.addressOf(node) }, o.timeLimitMs);
}

async function runCase(o: RunnerOptions, c: MatrixCase, topology: ResolvedTopology): Promise<CaseResult> {
  const log = o.log ?? quiet;
  const started = Date.now();
  let truth: Truth;
  try {
    truth = o.derive(topology, c.seat);
  } catch (e) {
    return { case: c, truth: null, error: `ground truth: ${(e as Error).message}`, runs: {}, labMs: 0 };
  }
  let lab: StartedLab;
  try {
    lab = await new Lab(topology, { images: o.images, log, docker: o.docker, kinds: o.kinds }).start();
  } catch (e) {
    const reason = `the lab did not start: ${(e as Error).message.split("\n")[0]}`;
    return {
      case: c,
      truth,
      error: reason,
      runs: Object.fromEntries(o.heuristics.map((h) => [h.name, { status: "not-run", reason }])),
      labMs: Date.now() - started,
    };
  }
  const runs: Record<string, HeuristicRun | NotRun> = {};
  try {
    // One after another: two heuristics probing at once would see each other's traffic (and mappings).
    for (const [i, h] of o.heuristics.entries()) {
      runs[h.name] = await runOne(o, lab, c, h, i).catch((e: Error): NotRun => ({ status: "not-run", reason: `callpath could not run it: ${e.message}` }));
    }
  } finally {
    await lab.stop().catch((e: Error) => log(`${c.id}: teardown: ${e.message}`));
  }
  return { case: c, truth, runs, labMs: Date.now() - started };
}

/**
 * Runs `run(i)` for every item, `parallel` at a time, never two whose helper keys clash at once
 * (helperCompatible); an item that cannot start yet waits for a running one to end. Results in item order.
 */
export async function schedule<T>(keys: readonly (string | undefined)[], parallel: number, run: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(keys.length);
  const pending = keys.map((_, i) => i);
  const running = new Map<number, string | undefined>();
  const waiting: Array<() => void> = [];
  const worker = async (): Promise<void> => {
    while (pending.length > 0) {
      // Picked without an await between the look and the take: two workers never take the same item.
      const k = pending.findIndex((i) => helperCompatible(keys[i], [...running.values()]));
      if (k < 0) {
        await new Promise<void>((r) => waiting.push(r));
        continue;
      }
      const [i] = pending.splice(k, 1) as [number];
      running.set(i, keys[i]);
      try {
        results[i] = await run(i);
      } finally {
        running.delete(i);
        for (const w of waiting.splice(0)) w();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, keys.length)) }, worker));
  return results;
}

/**
 * Runs every heuristic in every case: `parallel` labs at a time, the kernel SIP helper's global
 * parameters respected (helperKey). Results come back in matrix order whatever order cases finished in.
 */
export async function runDiagnose(o: RunnerOptions): Promise<CaseResult[]> {
  if (o.heuristics.length === 0) throw new LabError("no heuristic to run");
  const names = new Set<string>();
  for (const h of o.heuristics) {
    if (names.has(h.name)) throw new LabError(`two heuristics are called "${h.name}"; give each once`);
    names.add(h.name);
  }
  // Every case's topology first (milliseconds each): the schedule needs each one's helper key.
  const topologies = await Promise.all(o.cases.map((c) => loadCase(o, c).catch((e: Error) => e)));
  let done = 0;
  return schedule(
    topologies.map((t) => (t instanceof Error ? undefined : helperKey(t))),
    o.parallel,
    async (i) => {
      const c = o.cases[i]!;
      const topo = topologies[i]!;
      const result: CaseResult =
        topo instanceof Error ? { case: c, truth: null, error: `topology: ${topo.message}`, runs: {}, labMs: 0 } : await runCase(o, c, topo);
      o.onCase?.(result, ++done, o.cases.length);
      return result;
    },
  );
}
