import { LabError, TeardownError } from "../common/errors.js";
import type { Logger } from "../common/log.js";
import type { AgentHandle } from "../calls/agent-handle.js";
import type { AnyKind, Evidence, NodeHandle, NodeKind, NodeRuntime } from "../kinds/kind.js";
import { userAgent } from "../kinds/user-agent/index.js";
import type { KindRegistry } from "../kinds/registry.js";
import type { ResolvedTopology } from "../topology/types.js";
import type { TeardownStack } from "./teardown-stack.js";
import type { EngineStats } from "../impair/engine-service.js";
import type { LabImpairments } from "../impair/lab-impairments.js";
import type { LabCapture } from "../capture/lab-capture.js";
import { nodeOrPrefix } from "../kinds/node-ref.js";
import type { Direction, Engine } from "../impair/model.js";
import { checkImpairment } from "./impair-target.js";

export interface StartedNode {
  readonly runtime: NodeRuntime;
  readonly containerId: string;
  readonly kind: string;
  /** What the kind's ready() returned (see handleOf). */
  handle: NodeHandle | undefined;
}

/** A running lab. Stop it (or `await using` it) to remove every container and network it made. */
export class StartedLab implements AsyncDisposable {
  private stopped = false;

  constructor(
    readonly id: string,
    readonly topology: ResolvedTopology,
    private readonly nodes: ReadonlyMap<string, StartedNode>,
    private readonly teardown: TeardownStack,
    private readonly log: Logger,
    private readonly unregister: () => void,
    private readonly kinds: KindRegistry,
    private readonly impairments: LabImpairments,
    /** The lab's packet captures, when capture is on (LabOptions.capture). */
    readonly capture?: LabCapture,
  ) {}

  /** The engine carrying this lab's impairments, once one was needed. */
  get impairmentEngine(): Engine | undefined {
    return this.impairments.engineInUse;
  }

  /**
   * Replaces the impairments on `node`'s interface on `network` in `direction` (both: each separately)
   * with `rules`, validated like the topology's `impair:`; an empty list clears them. Mid-call is fine.
   */
  async impair(node: string, network: string, direction: Direction | "both", rules: readonly unknown[]): Promise<void> {
    const { runtime, rules: parsed } = checkImpairment(this.topology.name, this.nodes, this.kinds, node, network, rules);
    for (const d of direction === "both" ? (["egress", "ingress"] as const) : [direction]) {
      await this.impairments.apply(runtime, { node, network, direction: d }, parsed, (ref) => nodeOrPrefix(runtime, ref));
    }
  }

  /** Per-link-end counters of the userspace engine on `node` (null when it runs none there). */
  impairmentStats(node: string): Promise<EngineStats | null> {
    return this.impairments.stats(this.node(node));
  }

  /** The nodes that forward packets (routers), and whether a tunnel takes some of what they forward out of sight. */
  forwarders(): Array<{ node: string; tunnel: boolean }> {
    return [...this.nodes.values()].flatMap((n) => {
      const f = this.kindOf(n).forwards;
      return f ? [{ node: n.runtime.name, tunnel: f.tunnel }] : [];
    });
  }

  /** Nodes whose links were impaired at some point in this lab. */
  impairedNodes(): string[] {
    return this.impairments.impairedNodes();
  }

  node(name: string): NodeRuntime {
    const n = this.nodes.get(name);
    if (!n) throw new LabError(`no node "${name}" in topology "${this.topology.name}"; nodes: ${[...this.nodes.keys()].join(", ")}`);
    return n.runtime;
  }

  nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  /** The handle a node of `kind` gave when it became ready; names the nodes of that kind on a miss. */
  // biome-ignore lint/suspicious/noExplicitAny: any spec; the handle type is what matters here.
  handleOf<H extends NodeHandle | undefined>(kind: NodeKind<any, H>, name: string): H {
    const n = this.nodes.get(name);
    if (n && this.kindOf(n) === kind) return n.handle as H;
    const ofKind = [...this.nodes.entries()].filter(([, v]) => this.kindOf(v) === kind).map(([k]) => k);
    throw new LabError(`"${name}" is not a ${kind.name} in topology "${this.topology.name}"; ${kind.name} nodes: ${ofKind.join(", ") || "(none)"}`);
  }

  /** The nodes of `kind` (by identity), in declaration order. */
  // biome-ignore lint/suspicious/noExplicitAny: any spec; only the kind's identity matters.
  nodesOf(kind: NodeKind<any, any>): string[] {
    return [...this.nodes.values()].filter((n) => this.kindOf(n) === kind).map((n) => n.runtime.name);
  }

  /** Every node's own evidence (the kinds that offer it); a node that cannot give it says why instead. */
  async evidence(): Promise<Evidence[]> {
    const all = await Promise.all(
      [...this.nodes.values()].map(async (n) => {
        const kind = this.kindOf(n);
        if (!kind.evidence) return [];
        return kind
          .evidence(n.runtime, n.handle)
          .catch((e: Error): Evidence[] => [
            { fileName: `${n.runtime.name}-evidence-error.txt`, mediaType: "text/plain", body: `could not collect ${n.runtime.name}'s evidence: ${e.message}` },
          ]);
      }),
    );
    return all.flat();
  }

  agent(name: string): AgentHandle {
    return this.handleOf(userAgent, name).agent;
  }

  private kindOf(n: StartedNode): AnyKind {
    return this.kinds.get(n.kind);
  }

  /** Stops the service of a node (the TURN server goes down) while the node and its address stay. */
  async stopService(name: string): Promise<void> {
    const n = this.nodes.get(name);
    if (!n) throw new LabError(`no node "${name}" in topology "${this.topology.name}"; nodes: ${[...this.nodes.keys()].join(", ")}`);
    const kind = this.kinds.get(n.kind);
    if (!kind.stopService) {
      const can = [...this.nodes.values()].filter((x) => this.kinds.get(x.kind).stopService).map((x) => x.runtime.name);
      throw new LabError(`"${name}" is a ${n.kind}, whose service cannot be stopped; nodes that can: ${can.join(", ") || "(none)"}`);
    }
    await kind.stopService(n.runtime);
    this.log(`stopped the service of ${name}`);
  }

  addressOf(node: string, network?: string): string {
    return this.node(node).addressOf(node, network);
  }

  /** Every address of `node` on `network`, its primary one first (a TURN server's RFC 5780 second address). */
  addressesOf(node: string, network?: string): string[] {
    return this.node(node).addressesOf(node, network);
  }

  /** A router's (or a VPN concentrator's) address on its outside network: what the outside sees its inside hosts come from. */
  publicAddressOf(router: string): string {
    const n = this.nodes.get(router);
    const outside = n && this.kindOf(n).publicNetwork?.(n.runtime.node.spec);
    if (!outside) {
      const routers = [...this.nodes.values()].filter((x) => this.kindOf(x).publicNetwork?.(x.runtime.node.spec)).map((x) => x.runtime.name);
      throw new LabError(`"${router}" is not a router with a public side; routers: ${routers.join(", ") || "(none)"}`);
    }
    return this.addressOf(router, outside);
  }

  /** One line per node: its kind, addresses and how to get a shell in it. */
  describe(): string {
    return [...this.nodes.values()]
      .map(({ runtime, kind, containerId }) => {
        // One entry per network, every address on it (a TURN server's RFC 5780 second address after a comma).
        const addrs = [...new Set(runtime.node.interfaces.map((i) => i.network))]
          .map((n) => `${n}=${runtime.addressesOf(runtime.name, n).join(",")}`)
          .join(" ");
        return `${runtime.name.padEnd(12)} ${kind.padEnd(11)} ${addrs.padEnd(40)} docker exec -it ${containerId.slice(0, 12)} bash`;
      })
      .join("\n");
  }

  /** Tears everything down in reverse order, continuing past failures; throws TeardownError with all of them. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const started = Date.now();
    const errors = await this.teardown.unwind();
    this.unregister();
    this.log(`down in ${Date.now() - started} ms${errors.length ? ` with ${errors.length} error(s)` : ""}`);
    if (errors.length > 0) throw new TeardownError(this.id, errors);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
