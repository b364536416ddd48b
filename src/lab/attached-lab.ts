import type Docker from "dockerode";
import { LabError } from "../common/errors.js";
import { parseCidr, type Cidr } from "../common/ipv4.js";
import { quiet, tagged, type Logger } from "../common/log.js";
import type { AgentHandle } from "../calls/agent-handle.js";
import { LabImpairments, type EndInForce } from "../impair/lab-impairments.js";
import type { Direction } from "../impair/model.js";
import { builtinKinds } from "../kinds/builtin.js";
import type { NodeRuntime } from "../kinds/kind.js";
import { nodeOrPrefix } from "../kinds/node-ref.js";
import type { KindRegistry } from "../kinds/registry.js";
import { agentDaemonRunning, connectAgent, ensureAgent } from "../kinds/user-agent/agent-daemon.js";
import { LabCapture } from "../capture/lab-capture.js";
import { runningCapture } from "../capture/node-capture.js";
import { userAgent } from "../kinds/user-agent/index.js";
import type { ResolvedTopology } from "../topology/types.js";
import { docker } from "./docker-engine.js";
import { checkImpairment, impairableNode } from "./impair-target.js";
import { LAB_LABEL, NETWORK_LABEL, NODE_LABEL } from "./labels.js";
import { addressBook, nodeRuntime, type AddressBook } from "./node-runtime.js";
import { TeardownStack } from "./teardown-stack.js";

// A running lab seen by a process that did not start it (`callpath call` over a lab `callpath up` left):
// its topology, the subnets and containers Docker has for it (by label), and the same NodeRuntime objects
// the Lab built. It never removes the lab; closing it lets go of its channels only.

export interface AttachOptions {
  readonly docker?: Docker;
  readonly kinds?: KindRegistry;
  readonly log?: Logger;
}

/** What Docker lists of one lab, narrowed to what attaching reads. */
export interface DockerNetworkEntry {
  readonly Id: string;
  readonly Labels?: Record<string, string>;
  readonly IPAM?: { readonly Config?: ReadonlyArray<{ readonly Subnet?: string }> };
}
export interface DockerContainerEntry {
  readonly Id: string;
  readonly State: string;
  readonly Labels: Record<string, string>;
  readonly NetworkSettings: { readonly Networks: Record<string, { readonly NetworkID: string; readonly IPAddress: string }> };
}

/** The lab as Docker has it, checked against the topology. */
export interface LabView {
  readonly subnets: ReadonlyMap<string, Cidr>;
  readonly book: AddressBook;
  /** Node name → container id. */
  readonly containers: ReadonlyMap<string, string>;
}

/**
 * Matches Docker's networks and containers of lab `labId` to `topology`: every network with its subnet,
 * every node with a running container, and each node's address on each network as the topology's address
 * rules give it over those subnets, exactly as Docker assigned it. Every mismatch is reported at once.
 */
export function readLabView(
  topology: ResolvedTopology,
  labId: string,
  networks: readonly DockerNetworkEntry[],
  containers: readonly DockerContainerEntry[],
): LabView {
  const problems: string[] = [];
  const subnets = new Map<string, Cidr>();
  const networkById = new Map<string, string>();
  for (const n of networks) {
    const name = n.Labels?.[NETWORK_LABEL];
    if (!name) continue;
    networkById.set(n.Id, name);
    const subnet = parseCidr(n.IPAM?.Config?.[0]?.Subnet ?? "");
    if (!topology.networks.has(name)) problems.push(`network "${name}" is in the lab but not in the topology`);
    else if (!subnet) problems.push(`network "${name}" has no IPv4 subnet in Docker`);
    else subnets.set(name, subnet);
  }
  const present = new Set(networkById.values());
  for (const name of topology.networks.keys()) if (!present.has(name)) problems.push(`network "${name}" is missing`);
  const byNode = new Map(containers.filter((c) => c.Labels[NODE_LABEL]).map((c) => [c.Labels[NODE_LABEL]!, c]));
  for (const name of byNode.keys()) if (!topology.nodes.has(name)) problems.push(`node "${name}" is in the lab but not in the topology`);
  const ids = new Map<string, string>();
  for (const node of topology.nodes.values()) {
    const c = byNode.get(node.name);
    if (!c) problems.push(`node "${node.name}" has no container`);
    else if (c.State !== "running") problems.push(`node "${node.name}" is ${c.State}, not running`);
    else ids.set(node.name, c.Id);
  }
  if (problems.length === 0) {
    const book = addressBook(topology, subnets, labId);
    for (const node of ids.keys()) {
      const c = byNode.get(node)!;
      const docker = new Map(Object.values(c.NetworkSettings.Networks).map((e) => [networkById.get(e.NetworkID), e.IPAddress]));
      for (const [network, ip] of book.primary.get(node) ?? []) {
        const actual = docker.get(network);
        if (actual !== ip) problems.push(`node "${node}" on "${network}": the topology gives ${ip}, Docker has ${actual || "no address"}`);
      }
    }
    if (problems.length === 0) return { subnets, book, containers: ids };
  }
  throw new LabError(
    `lab ${labId} does not match topology "${topology.name}" (${topology.file}):\n  ${problems.join("\n  ")}\nremove it (callpath down ${labId}) and start it again`,
  );
}

/** Attaches to the running lab `labId`, whose topology is `topology` (as it was started). */
export async function attachLab(labId: string, topology: ResolvedTopology, opts: AttachOptions = {}): Promise<AttachedLab> {
  const d = opts.docker ?? docker();
  const filters = { label: [`${LAB_LABEL}=${labId}`] };
  const [networks, containers] = await Promise.all([d.listNetworks({ filters }), d.listContainers({ all: true, filters })]);
  if (networks.length + containers.length === 0) throw new LabError(`no lab "${labId}" on this Docker engine (callpath labs lists them)`);
  const view = readLabView(topology, labId, networks as DockerNetworkEntry[], containers as DockerContainerEntry[]);
  const log = tagged(opts.log ?? quiet, `lab ${labId}`);
  const closing = new TeardownStack();
  const context = {
    docker: d,
    labId,
    topology,
    log,
    addresses: view.book,
    secrets: (): never => {
      throw new LabError(`lab ${labId}: its CA key and TURN credentials stay with the process that started it (callpath up); an attached lab has none`);
    },
    kept: true,
    defer: (what: string, undo: () => Promise<void>) => closing.push(what, undo),
  };
  const nodes = new Map<string, AttachedNode>();
  for (const node of topology.nodes.values()) {
    const containerId = view.containers.get(node.name)!;
    nodes.set(node.name, { runtime: nodeRuntime(context, node, containerId), containerId, kind: node.kind });
  }
  return new AttachedLab(labId, topology, nodes, opts.kinds ?? builtinKinds(), closing, d);
}

export interface AttachedNode {
  readonly runtime: NodeRuntime;
  readonly containerId: string;
  readonly kind: string;
}

/** Impairments in force at one node's link end. */
export interface NodeEndInForce extends EndInForce {
  readonly node: string;
}

/** A kept lab, attached to: never removes anything; `close` (or `await using`) lets go of its channels. */
export class AttachedLab implements AsyncDisposable {
  private readonly agents = new Map<string, Promise<{ agent: AgentHandle; started: boolean }>>();
  private readonly impairments: LabImpairments;

  constructor(
    readonly id: string,
    readonly topology: ResolvedTopology,
    private readonly nodes: ReadonlyMap<string, AttachedNode>,
    private readonly kinds: KindRegistry,
    private readonly closing: TeardownStack,
    private readonly d: Docker,
  ) {
    this.impairments = new LabImpairments(topology.impairmentEngine, topology.file, { adopt: true });
    closing.push("close the impairment engines' channels", async () => this.impairments.close());
  }

  node(name: string): NodeRuntime {
    return this.attached(name).runtime;
  }

  nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  containerId(name: string): string {
    return this.attached(name).containerId;
  }

  kindOf(name: string): string {
    return this.attached(name).kind;
  }

  /** The captures the lab's nodes are running (started by `callpath up`), to copy as they are; none when capture is off. */
  async capture(): Promise<LabCapture | undefined> {
    const found = await Promise.all([...this.nodes.values()].filter((n) => this.kinds.get(n.kind).capturable).map((n) => runningCapture(n.runtime)));
    const sources = new Map(found.flatMap((c) => (c ? [[c.node, c] as const] : [])));
    if (sources.size === 0) return undefined;
    return new LabCapture(this.id, sources, async (node, path) => {
      return (await this.d.getContainer(this.attached(node).containerId).getArchive({ path })) as unknown as NodeJS.ReadableStream;
    });
  }

  /** The nodes that forward packets (routers), and whether a tunnel takes some of what they forward out of sight. */
  forwarders(): Array<{ node: string; tunnel: boolean }> {
    return [...this.nodes.values()].flatMap((n) => {
      const f = this.kinds.get(n.kind).forwards;
      return f ? [{ node: n.runtime.name, tunnel: f.tunnel }] : [];
    });
  }

  /** The user agents, in declaration order. */
  agentNames(): string[] {
    return [...this.nodes.values()].filter((n) => this.kinds.get(n.kind) === userAgent).map((n) => n.runtime.name);
  }

  /** The agent `name`, its daemon started again if it is not running (then `started`), ready for calls. */
  agent(name: string): Promise<{ agent: AgentHandle; started: boolean }> {
    const rt = this.agentRuntime(name);
    let p = this.agents.get(name);
    if (!p) {
      p = ensureAgent(rt).then((r) => {
        this.closing.push(`${name}: close the agent's channel`, async () => r.agent.close());
        return r;
      });
      this.agents.set(name, p);
      p.catch(() => this.agents.delete(name));
    }
    return p;
  }

  /** The agent `name` if its daemon is running (it has calls to hang up); none is started. */
  async runningAgent(name: string): Promise<AgentHandle | undefined> {
    const rt = this.agentRuntime(name);
    if (!this.agents.has(name) && !(await agentDaemonRunning(rt))) return undefined;
    if (this.agents.has(name)) return (await this.agents.get(name)!).agent;
    const agent = await connectAgent(rt);
    this.closing.push(`${name}: close the agent's channel`, async () => agent.close());
    this.agents.set(name, Promise.resolve({ agent, started: false }));
    return agent;
  }

  /** Replaces what `node`'s end on `network` has in `direction` (both: each) with `rules`, validated like `impair:`. */
  async impair(node: string, network: string, direction: Direction | "both", rules: readonly unknown[]): Promise<void> {
    const { runtime, rules: parsed } = checkImpairment(this.topology.name, this.nodes, this.kinds, node, network, rules);
    for (const d of direction === "both" ? (["egress", "ingress"] as const) : [direction]) {
      await this.impairments.apply(runtime, { node, network, direction: d }, parsed, (ref) => nodeOrPrefix(runtime, ref));
    }
  }

  /**
   * Clears every impairment of `node` on `network` (every network of it; every impairable node), made by
   * whichever process: the engine's rules and hooks, and tc's qdiscs. Returns what was in force before.
   */
  async clearImpairments(node?: string, network?: string): Promise<NodeEndInForce[]> {
    const targets = node ? [impairableNode(this.topology.name, this.nodes, this.kinds, node)] : this.impairable();
    if (network !== undefined && node !== undefined) checkImpairment(this.topology.name, this.nodes, this.kinds, node, network, []);
    const before = await this.impairmentsInForce(node);
    for (const rt of targets) {
      for (const net of network ? [network] : [...new Set(rt.node.interfaces.map((i) => i.network))]) {
        for (const direction of ["egress", "ingress"] as const) {
          await this.impairments.apply(rt, { node: rt.name, network: net, direction }, [], (ref) => nodeOrPrefix(rt, ref));
        }
      }
    }
    return before.filter((e) => !network || e.end.startsWith(`${network} `));
  }

  /** What every link end of `node` (of every impairable node) has now. */
  async impairmentsInForce(node?: string): Promise<NodeEndInForce[]> {
    const targets = node ? [impairableNode(this.topology.name, this.nodes, this.kinds, node)] : this.impairable();
    const all = await Promise.all(targets.map(async (rt) => (await this.impairments.inForce(rt)).map((e) => ({ node: rt.name, ...e }))));
    return all.flat();
  }

  /** The nodes that can carry impairments, in declaration order. */
  impairableNodeNames(): string[] {
    return this.impairable().map((rt) => rt.name);
  }

  /** Lets go of every channel this process opened; the lab and its daemons stay. */
  async close(): Promise<void> {
    const errors = await this.closing.unwind();
    if (errors.length > 0) throw new LabError(`lab ${this.id}: closing: ${errors.map((e) => e.message).join("; ")}`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private impairable(): NodeRuntime[] {
    return [...this.nodes.values()].filter((n) => this.kinds.get(n.kind).impairable).map((n) => n.runtime);
  }

  private attached(name: string): AttachedNode {
    const n = this.nodes.get(name);
    if (!n) throw new LabError(`no node "${name}" in topology "${this.topology.name}"; nodes: ${[...this.nodes.keys()].join(", ")}`);
    return n;
  }

  private agentRuntime(name: string): NodeRuntime {
    const n = this.attached(name);
    if (this.kinds.get(n.kind) !== userAgent)
      throw new LabError(`"${name}" is a ${n.kind}, not a user agent; agents in "${this.topology.name}": ${this.agentNames().join(", ") || "(none)"}`);
    return n.runtime;
  }
}
