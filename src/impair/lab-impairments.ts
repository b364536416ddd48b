import { LabError } from "../common/errors.js";
import type { NodeRuntime } from "../kinds/kind.js";
import { interfaceLookup } from "../lab/interface-script.js";
import type { ServiceClient } from "../protocol/client.js";
import { RemoteError } from "../protocol/errors.js";
import { logTail, openDaemon, startDaemon } from "../lab/daemon-channel.js";
import { DUP_MARK, ENGINE_SOCKET, FIRST_QUEUE, ImpairService, type EngineEnd, type EngineStats } from "./engine-service.js";
import { describeImpairment, type Direction, type Engine, type EngineChoice, type Impairment, type ResolvedImpairment } from "./model.js";
import { hex, hookedQueues, LIST_HOOKS, queueRules, unqueueRules } from "./queue-hooks.js";
import { NETEM_PROBE, shellLines, tcClearCommands, tcCommands } from "./tc-netem.js";

/** A link end: one interface of one node, one direction. */
export interface LinkEnd {
  readonly node: string;
  readonly network: string;
  readonly direction: Direction;
}

const endKey = (e: LinkEnd): string => `${e.network} ${e.direction}`;

/** What one link end has now: one description per rule (netem: the qdisc lines tc shows). */
export interface EndInForce {
  /** "internet egress" */
  readonly end: string;
  readonly rules: readonly string[];
}

export interface LabImpairmentsOptions {
  /**
   * This process did not make the impairments it may find (it attached to a kept lab): before its first
   * change to a node, it learns what is in force there from the node itself (the engine's configuration
   * and the netfilter hooks; tc state is read when asked).
   */
  readonly adopt?: boolean;
}

interface NodeState {
  /** "wan egress" → its netfilter queue (userspace engine): every end the engine has a queue for. */
  readonly queues: Map<string, number>;
  /** Ends whose packets are sent to their queue now (a cleared end is unhooked, its queue kept for later). */
  readonly hooked: Set<string>;
  readonly rules: Map<string, { rules: ResolvedImpairment[]; descriptions: string[] }>;
  /** The channel to the node's engine, once started. */
  engine: ServiceClient<typeof ImpairService> | undefined;
  engineStart?: Promise<ServiceClient<typeof ImpairService>>;
  /** Changes to one node run one after another: each rewrites the whole engine configuration. */
  chain: Promise<unknown>;
  /** Adoption of what the node already has (LabImpairmentsOptions.adopt), done once before anything else. */
  adopted?: Promise<void>;
}

/**
 * The lab's impairments: which engine carries them (decided once, by a capability probe or by the
 * topology's demand) and what each link end has now. Both engines take the same model; the userspace
 * engine also reports per-end counters.
 */
export class LabImpairments {
  private engine: Engine | undefined;
  private deciding: Promise<Engine> | undefined;
  private readonly nodes = new Map<string, NodeState>();

  constructor(
    private readonly choice: EngineChoice,
    private readonly file: string,
    private readonly options: LabImpairmentsOptions = {},
  ) {}

  get engineInUse(): Engine | undefined {
    return this.engine;
  }

  /** Probes once: netem where `tc` can make one, else the userspace engine; a demand that cannot be met fails. */
  decideEngine(rt: NodeRuntime): Promise<Engine> {
    this.deciding ??= this.probe(rt);
    return this.deciding;
  }

  private async probe(rt: NodeRuntime): Promise<Engine> {
    const netem = await rt.exec(["sh", "-c", `${NETEM_PROBE} && echo yes || echo no`]).then((o) => o.trim() === "yes");
    if (this.choice === "netem" && !netem) {
      throw new LabError(`${this.file}: impairmentEngine: netem — this kernel has no sch_netem (tc: "Specified qdisc kind is unknown"); use auto or userspace`);
    }
    this.engine = this.choice === "userspace" ? "userspace" : netem ? "netem" : "userspace";
    rt.log(`impairments: ${this.engine} engine${this.choice === "auto" ? ` (auto: the kernel ${netem ? "has" : "has no"} sch_netem)` : ""}`);
    return this.engine;
  }

  /** Replaces what `end` has with `rules` (none: clears it). `resolve` turns node names in matches into addresses. */
  async apply(rt: NodeRuntime, end: LinkEnd, rules: readonly Impairment[], resolve: (nameOrPrefix: string) => string): Promise<void> {
    const engine = await this.decideEngine(rt);
    const resolved: ResolvedImpairment[] = rules.map((r) => ({
      ...r,
      match: r.match && { ...r.match, to: r.match.to && resolve(r.match.to), from: r.match.from && resolve(r.match.from) },
    }));
    if (engine === "userspace" && end.direction === "ingress" && resolved.some((r) => r.duplicate !== undefined)) {
      throw new LabError(
        `${rt.name}: ${end.network} ingress: the userspace engine duplicates on egress only (its copy is sent by the node, so it would skip the node's own NAT); put duplicate on the sending end's egress`,
      );
    }
    const state = await this.stateOf(rt, engine);
    const run = state.chain.then(() => (engine === "netem" ? this.applyNetem(rt, end, resolved) : this.applyUserspace(rt, state, end, resolved)));
    state.chain = run.catch(() => undefined);
    await run;
    rt.log(`impair ${end.network} ${end.direction}: ${resolved.map(describeImpairment).join("; ") || "cleared"}`);
  }

  /** The userspace engine's counters on `rt`, or null when it does not run there. */
  async stats(rt: NodeRuntime): Promise<EngineStats | null> {
    const engine = this.nodes.get(rt.name)?.engine;
    return engine ? engine.request("stats", {}) : null;
  }

  /**
   * What each of `rt`'s link ends has now, ends with nothing left out. The userspace engine's ends as
   * configured and hooked; with netem, the netem qdiscs tc shows on the node's interfaces (and their ifb).
   */
  async inForce(rt: NodeRuntime): Promise<EndInForce[]> {
    const engine = await this.decideEngine(rt);
    if (engine === "netem") return netemInForce(rt);
    const state = await this.stateOf(rt, engine);
    await state.chain;
    return [...state.hooked]
      .sort()
      .map((key) => ({ end: key, rules: state.rules.get(key)?.descriptions ?? [] }))
      .filter((e) => e.rules.length > 0);
  }

  /** Lets go of the channels to the engines (they keep running, with what they have). */
  close(): void {
    for (const s of this.nodes.values()) s.engine?.close();
  }

  /** Nodes with impairments applied at some point, for the report. */
  impairedNodes(): string[] {
    return [...this.nodes.keys()];
  }

  private async stateOf(rt: NodeRuntime, engine: Engine): Promise<NodeState> {
    let s = this.nodes.get(rt.name);
    if (!s) {
      s = { queues: new Map(), hooked: new Set(), rules: new Map(), engine: undefined, chain: Promise.resolve() };
      this.nodes.set(rt.name, s);
    }
    if (this.options.adopt && engine === "userspace") {
      const state = s;
      state.adopted ??= adoptUserspace(rt, state);
      await state.adopted;
    }
    return s;
  }

  private async applyNetem(rt: NodeRuntime, end: LinkEnd, rules: ResolvedImpairment[]): Promise<void> {
    const ip = rt.addressOf(rt.name, end.network);
    // The interface name is only known inside the node: the commands name it through $IF.
    // (After quoting: a quoted '$IF' would not expand.)
    const withIf = (cmds: string[][]): string => shellLines(cmds).replaceAll("IFACE", '"$IF"');
    const clear = withIf(tcClearCommands("IFACE", end.direction))
      .split("\n")
      .map((l) => `${l} 2>/dev/null || true`)
      .join("\n");
    const set = rules.length > 0 ? withIf(tcCommands("IFACE", end.direction, rules)) : "";
    await rt.exec(["sh", "-ec", [interfaceLookup("IF", ip), clear, set].join("\n")]);
  }

  private async applyUserspace(rt: NodeRuntime, state: NodeState, end: LinkEnd, rules: ResolvedImpairment[]): Promise<void> {
    const key = endKey(end);
    const hooked = state.hooked.has(key);
    // Clearing an end that sends nothing to the engine changes nothing: no engine is started for it.
    if (rules.length === 0 && !hooked) {
      if (state.queues.has(key) && state.engine) await this.configureEngine(state, key, rules);
      return;
    }
    // One start per node: a failed start is remembered and reported again, never retried into a second engine.
    state.engineStart ??= startEngine(rt);
    state.engine ??= await state.engineStart;
    const hooks = (lines: string[]): Promise<string> =>
      rt.exec(["sh", "-ec", [interfaceLookup("IF", rt.addressOf(rt.name, end.network)), ...lines].join("\n")]);
    if (hooked) {
      // Rules first, then (clearing) the hook: packets the engine still holds go at their times.
      await this.configureEngine(state, key, rules);
      if (rules.length === 0) {
        await hooks(unqueueRules(end.direction, state.queues.get(key)!));
        state.hooked.delete(key);
      }
      return;
    }
    // An end the engine had a queue for keeps it (the engine never unbinds one); a new one takes the lowest free.
    const known = state.queues.get(key);
    const queue = known ?? freeQueue(state.queues);
    state.queues.set(key, queue);
    try {
      // The queue is bound by the engine (configure) before any rule sends packets to it.
      await this.configureEngine(state, key, rules);
      await hooks(queueRules(end.direction, queue));
      state.hooked.add(key);
    } catch (e) {
      // Not queued after all: the next change to this end must set the queue up again, not assume it.
      if (known === undefined) {
        state.queues.delete(key);
        state.rules.delete(key);
      }
      throw e;
    }
  }

  private async configureEngine(state: NodeState, key: string, rules: ResolvedImpairment[]): Promise<void> {
    state.rules.set(key, { rules, descriptions: rules.map(describeImpairment) });
    const ends: EngineEnd[] = [...state.queues].map(([k, q]) => ({
      queue: q,
      label: k,
      rules: state.rules.get(k)?.rules ?? [],
      descriptions: state.rules.get(k)?.descriptions ?? [],
    }));
    await state.engine!.request("configure", { ends });
  }
}

/** Starts impair.mjs in the node and waits for its `ready`; duplicates it sends itself skip conntrack. */
async function startEngine(rt: NodeRuntime): Promise<ServiceClient<typeof ImpairService>> {
  await rt.exec([
    "sh",
    "-ec",
    [
      "nft add table ip callpath_impair",
      "nft add chain ip callpath_impair dup_notrack '{ type filter hook output priority -300; }'",
      `nft add rule ip callpath_impair dup_notrack meta mark ${hex(DUP_MARK)} notrack`,
    ].join("\n"),
  ]);
  await startDaemon(rt, ["/opt/callpath/impair.mjs"]);
  const engine = await openDaemon(rt, ImpairService, ENGINE_SOCKET);
  try {
    await engine.request("subscribe", { sinceSeq: 0 });
    await engine.waitFor("ready", () => true, { timeoutMs: 1000 });
  } catch (e) {
    engine.close();
    throw new LabError(`${rt.name}: the impairment engine did not start: ${(e as Error).message}\n${await logTail(rt)}`);
  }
  return engine;
}

/** The lowest queue number at or above FIRST_QUEUE that no end of the node has. */
export function freeQueue(queues: ReadonlyMap<string, number>): number {
  const used = new Set(queues.values());
  let q = FIRST_QUEUE;
  while (used.has(q)) q++;
  return q;
}

/**
 * Learns what a node's userspace engine has (a kept lab, impaired by an earlier process): its ends and
 * their rules from the engine itself, and which of them are hooked from the node's netfilter rules. A
 * node whose engine does not run has nothing in force (a queue with no engine would drop every packet:
 * its hooks are reported, not silently kept).
 */
async function adoptUserspace(rt: NodeRuntime, state: NodeState): Promise<void> {
  const hookedNow = new Set(hookedQueues(await rt.exec(["sh", "-c", LIST_HOOKS])));
  const engine = await openDaemon(rt, ImpairService, ENGINE_SOCKET, 0);
  let ends: EngineEnd[];
  try {
    ends = (await engine.request("config", {})).ends;
  } catch (e) {
    engine.close();
    if (e instanceof RemoteError)
      throw new LabError(
        `${rt.name}: the impairment engine in the node cannot say what it has (${e.message}): it is older than this callpath; start the lab again`,
      );
    if (hookedNow.size > 0)
      throw new LabError(
        `${rt.name}: packets are queued to the userspace impairment engine (queues ${[...hookedNow].join(", ")}) but no engine answers on ${ENGINE_SOCKET}; its log:\n${await logTail(rt)}`,
      );
    return;
  }
  state.engine = engine;
  state.engineStart = Promise.resolve(engine);
  for (const e of ends) {
    state.queues.set(e.label, e.queue);
    state.rules.set(e.label, { rules: e.rules, descriptions: e.descriptions });
    if (hookedNow.has(e.queue)) state.hooked.add(e.label);
  }
}

/** The netem qdiscs on each of the node's interfaces (egress) and their ifb devices (ingress). */
async function netemInForce(rt: NodeRuntime): Promise<EndInForce[]> {
  const networks = [...new Set(rt.node.interfaces.map((i) => i.network))];
  const out: EndInForce[] = [];
  for (const network of networks) {
    // The ifb device is named as tc-netem.ts's ifbName names it: "ifb" + the interface, cut to 15 characters.
    const script = [
      interfaceLookup("IF", rt.addressOf(rt.name, network)),
      'echo egress; tc qdisc show dev "$IF"',
      "IFB=$(printf 'ifb%s' \"$IF\" | cut -c1-15)",
      'echo ingress; tc qdisc show dev "$IFB" 2>/dev/null || true',
    ];
    const text = await rt.exec(["sh", "-c", script.join("\n")]);
    const [egress = "", ingress = ""] = text.split(/^ingress$/m);
    const netem = (t: string): string[] =>
      t
        .split("\n")
        .filter((l) => /\bnetem\b/.test(l))
        .map((l) => l.trim());
    for (const [direction, lines] of [
      ["egress", netem(egress)],
      ["ingress", netem(ingress)],
    ] as const)
      if (lines.length > 0) out.push({ end: `${network} ${direction}`, rules: lines });
  }
  return out;
}
