import { LabError } from "../common/errors.js";
import type { NodeRuntime } from "../kinds/kind.js";
import { interfaceLookup } from "../lab/interface-script.js";
import type { ServiceClient } from "../protocol/client.js";
import { logTail, openDaemon, startDaemon } from "../lab/daemon-channel.js";
import { DUP_MARK, ENGINE_SOCKET, FIRST_QUEUE, ImpairService, type EngineEnd, type EngineStats } from "./engine-service.js";
import { describeImpairment, type Direction, type Engine, type EngineChoice, type Impairment, type ResolvedImpairment } from "./model.js";
import { NETEM_PROBE, shellLines, tcClearCommands, tcCommands } from "./tc-netem.js";

/** A link end: one interface of one node, one direction. */
export interface LinkEnd {
  readonly node: string;
  readonly network: string;
  readonly direction: Direction;
}

const endKey = (e: LinkEnd): string => `${e.network} ${e.direction}`;

interface NodeState {
  /** "wan egress" → its netfilter queue (userspace engine). */
  readonly queues: Map<string, number>;
  readonly rules: Map<string, { rules: ResolvedImpairment[]; descriptions: string[] }>;
  /** The channel to the node's engine, once started. */
  engine: ServiceClient<typeof ImpairService> | undefined;
  engineStart?: Promise<ServiceClient<typeof ImpairService>>;
  /** Changes to one node run one after another: each rewrites the whole engine configuration. */
  chain: Promise<unknown>;
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
    const state = this.stateOf(rt.name);
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

  /** Nodes with impairments applied at some point, for the report. */
  impairedNodes(): string[] {
    return [...this.nodes.keys()];
  }

  private stateOf(node: string): NodeState {
    let s = this.nodes.get(node);
    if (!s) {
      s = { queues: new Map(), rules: new Map(), engine: undefined, chain: Promise.resolve() };
      this.nodes.set(node, s);
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
    // One start per node: a failed start is remembered and reported again, never retried into a second engine.
    state.engineStart ??= startEngine(rt);
    state.engine ??= await state.engineStart;
    let queue = state.queues.get(key);
    if (queue === undefined) {
      queue = FIRST_QUEUE + state.queues.size;
      state.queues.set(key, queue);
      try {
        // The queue is bound by the engine (configure) before any rule sends packets to it.
        await this.configureEngine(state, key, rules);
        await rt.exec(["sh", "-ec", [interfaceLookup("IF", rt.addressOf(rt.name, end.network)), ...queueRules(end.direction, queue)].join("\n")]);
      } catch (e) {
        // Not queued after all: the next change to this end must set the queue up again, not assume it.
        state.queues.delete(key);
        state.rules.delete(key);
        throw e;
      }
      return;
    }
    await this.configureEngine(state, key, rules);
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

const hex = (n: number): string => `0x${n.toString(16).padStart(8, "0")}`;

/**
 * Egress is queued after NAT (postrouting, priority 300), as a link would carry it; ingress before
 * conntrack (prerouting, priority −300), as it came off the wire. The verdict is the xtables NFQUEUE
 * target in an iptables-nft chain (this kernel has no nft `queue`), which the nft base chain jumps to.
 */
export function queueRules(direction: Direction, queue: number): string[] {
  const chain = `CALLPATH_IMP_${queue}`;
  const base = direction === "egress" ? "callpath_imp_out" : "callpath_imp_in";
  const hook = direction === "egress" ? "postrouting priority 300" : "prerouting priority -300";
  const dev = direction === "egress" ? "oifname" : "iifname";
  return [
    `iptables-nft -t mangle -N ${chain}`,
    `iptables-nft -t mangle -A ${chain} -j NFQUEUE --queue-num ${queue}`,
    `nft add chain ip mangle ${base} '{ type filter hook ${hook}; }'`,
    `nft add rule ip mangle ${base} ${dev} "$IF" meta mark != ${hex(DUP_MARK)} jump ${chain}`,
  ];
}
