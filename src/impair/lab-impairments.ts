import { LabError } from "../common/errors.js";
import type { NodeRuntime } from "../kinds/kind.js";
import { interfaceLookup } from "../lab/interface-script.js";
import { DUP_MARK, ENGINE_FILES, FIRST_QUEUE, type EngineConfig, type EngineStats } from "./engine-protocol.js";
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
  engineStarted: boolean;
  generation: number;
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
      throw new LabError(`${rt.name}: ${end.network} ingress: the userspace engine duplicates on egress only (its copy is sent by the node, so it would skip the node's own NAT); put duplicate on the sending end's egress`);
    }
    const state = this.stateOf(rt.name);
    const run = state.chain.then(() => (engine === "netem" ? this.applyNetem(rt, end, resolved) : this.applyUserspace(rt, state, end, resolved)));
    state.chain = run.catch(() => undefined);
    await run;
    rt.log(`impair ${end.network} ${end.direction}: ${resolved.map(describeImpairment).join("; ") || "cleared"}`);
  }

  /** The userspace engine's counters on `rt`, or null when it does not run there. */
  async stats(rt: NodeRuntime): Promise<EngineStats | null> {
    if (!this.nodes.get(rt.name)?.engineStarted) return null;
    return JSON.parse(await rt.exec(["cat", ENGINE_FILES.stats])) as EngineStats;
  }

  /** Nodes with impairments applied at some point, for the report. */
  impairedNodes(): string[] {
    return [...this.nodes.keys()];
  }

  private stateOf(node: string): NodeState {
    let s = this.nodes.get(node);
    if (!s) {
      s = { queues: new Map(), rules: new Map(), engineStarted: false, generation: 0, chain: Promise.resolve() };
      this.nodes.set(node, s);
    }
    return s;
  }

  private async applyNetem(rt: NodeRuntime, end: LinkEnd, rules: ResolvedImpairment[]): Promise<void> {
    const ip = rt.addressOf(rt.name, end.network);
    // The interface name is only known inside the node: the commands name it through $IF.
    // (After quoting: a quoted '$IF' would not expand.)
    const withIf = (cmds: string[][]): string => shellLines(cmds).replaceAll("IFACE", '"$IF"');
    const clear = withIf(tcClearCommands("IFACE", end.direction)).split("\n").map((l) => `${l} 2>/dev/null || true`).join("\n");
    const set = rules.length > 0 ? withIf(tcCommands("IFACE", end.direction, rules)) : "";
    await rt.exec(["sh", "-ec", [interfaceLookup("IF", ip), clear, set].join("\n")]);
  }

  private async applyUserspace(rt: NodeRuntime, state: NodeState, end: LinkEnd, rules: ResolvedImpairment[]): Promise<void> {
    const key = endKey(end);
    const script: string[] = [];
    if (!state.engineStarted) script.push(...engineStartScript());
    let queue = state.queues.get(key);
    if (queue === undefined) {
      queue = FIRST_QUEUE + state.queues.size;
      state.queues.set(key, queue);
      script.push(interfaceLookup("IF", rt.addressOf(rt.name, end.network)), ...queueRules(end.direction, queue));
    }
    state.rules.set(key, { rules, descriptions: rules.map(describeImpairment) });
    state.generation++;
    const config: EngineConfig = {
      generation: state.generation,
      ends: [...state.queues].map(([k, q]) => ({ queue: q, label: k, rules: state.rules.get(k)?.rules ?? [], descriptions: state.rules.get(k)?.descriptions ?? [] })),
    };
    // One exec: set-up if new, the configuration down the FIFO, then wait until the engine says it is live.
    script.push(
      `cat > ${ENGINE_FILES.fifo}`,
      `i=0; until grep -q '"generation":${state.generation}[,}]' ${ENGINE_FILES.stats} 2>/dev/null; do i=$((i+1)); [ $i -lt 250 ] || { echo "the impairment engine did not apply configuration ${state.generation}" >&2; tail -5 /proc/1/fd/1 2>/dev/null; exit 1; }; sleep 0.02; done`,
    );
    await rt.exec(["sh", "-ec", script.join("\n")], { stdin: `${JSON.stringify(config)}\n` });
    state.engineStarted = true;
  }
}

/** Starts impair.mjs in the background (output to the container's log) with its control FIFO. */
function engineStartScript(): string[] {
  return [
    "mkdir -p /run/callpath",
    `[ -p ${ENGINE_FILES.fifo} ] || mkfifo ${ENGINE_FILES.fifo}`,
    // Duplicates the engine sends itself are neither tracked (no NAT) nor queued again.
    `nft add table ip callpath_impair`,
    `nft add chain ip callpath_impair dup_notrack '{ type filter hook output priority -300; }'`,
    `nft add rule ip callpath_impair dup_notrack meta mark ${hex(DUP_MARK)} notrack`,
    "nohup /usr/local/bin/node /opt/callpath/impair.mjs >/proc/1/fd/1 2>&1 &",
    `i=0; until [ -e ${ENGINE_FILES.stats} ]; do i=$((i+1)); [ $i -lt 250 ] || { echo "the impairment engine did not start" >&2; exit 1; }; sleep 0.02; done`,
  ];
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
