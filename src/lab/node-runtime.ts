import type Docker from "dockerode";
import { LabError } from "../common/errors.js";
import { formatIp, hostAt, type Cidr } from "../common/ipv4.js";
import { tagged, type Logger } from "../common/log.js";
import type { NodeRuntime } from "../kinds/kind.js";
import type { ResolvedNode, ResolvedTopology } from "../topology/types.js";
import { demuxLogs } from "./docker-logs.js";
import { execIn, spawnIn } from "./exec.js";
import type { LabSecrets } from "./lab-secrets.js";
import { followContainerLogs, type LogStream } from "./log-stream.js";
import { tarOf } from "./node-files.js";

// What a kind sees of a running node (NodeRuntime), built the same way by the lab that starts the nodes
// (lab.ts) and by a later process that attaches to a kept lab (attached-lab.ts): the addresses come from
// the topology's address rules and the subnets the lab's networks got, so both compute the same ones.

/** Every node's addresses, from the topology's address rules and the subnets its networks have. */
export interface AddressBook {
  /** node → network → the node's first (primary) address there. */
  readonly primary: ReadonlyMap<string, ReadonlyMap<string, string>>;
  addressOf(node: string, network?: string): string;
  /** Every address of `node` on `network`, its primary one first (a TURN server's RFC 5780 second address). */
  addressesOf(node: string, network?: string): string[];
}

export function addressBook(topo: ResolvedTopology, subnets: ReadonlyMap<string, Cidr>, labId: string): AddressBook {
  const subnetOf = (network: string): Cidr => {
    const s = subnets.get(network);
    if (!s) throw new LabError(`lab ${labId} has no subnet for network "${network}"; networks: ${[...subnets.keys()].join(", ")}`);
    return s;
  };
  const ipOf = (i: ResolvedNode["interfaces"][number]): string => formatIp("ip" in i.address ? i.address.ip : hostAt(subnetOf(i.network), i.address.host));
  const primary = new Map<string, Map<string, string>>();
  for (const node of topo.nodes.values()) {
    const m = new Map<string, string>();
    // The first attachment to a network is the node's address there; later ones are secondary (addressesOf).
    for (const i of node.interfaces) if (!m.has(i.network)) m.set(i.network, ipOf(i));
    primary.set(node.name, m);
  }
  const addressOf = (node: string, network?: string): string => {
    const m = primary.get(node);
    if (!m) throw new LabError(`no node "${node}" in lab ${labId}; nodes: ${[...primary.keys()].join(", ")}`);
    const ip = network ? m.get(network) : m.values().next().value;
    if (!ip) throw new LabError(`node "${node}" is not on network "${network}"`);
    return ip;
  };
  const addressesOf = (node: string, network?: string): string[] => {
    const n = topo.nodes.get(node);
    const net = network ?? n?.interfaces[0]?.network;
    if (!n || !net || !subnets.has(net)) return [addressOf(node, network)];
    return n.interfaces.filter((i) => i.network === net).map(ipOf);
  };
  return { primary, addressOf, addressesOf };
}

/** What every node of one lab shares. */
export interface RuntimeContext {
  readonly docker: Docker;
  readonly labId: string;
  readonly topology: ResolvedTopology;
  /** The lab's logger; each node's lines get its name as a tag. */
  readonly log: Logger;
  readonly addresses: AddressBook;
  /** The lab's CA and TURN credentials; an attached lab has none (they stay with the process that made them). */
  secrets(): LabSecrets;
  /** The lab outlives the process that drives it (`callpath up`): see NodeRuntime.kept. */
  readonly kept: boolean;
  /** Registers an undo that runs when this process lets go of the lab (teardown, or an attached lab's close). */
  defer(what: string, undo: () => Promise<void>): void;
}

/** The runtime of one node whose container is `containerId`. */
export function nodeRuntime(ctx: RuntimeContext, node: ResolvedNode, containerId: string): NodeRuntime {
  const d = ctx.docker;
  const container = d.getContainer(containerId);
  let followed: Promise<LogStream> | undefined;
  return {
    name: node.name,
    node,
    topology: ctx.topology,
    log: tagged(ctx.log, node.name),
    exec: async (cmd, opts) => (await execIn(d, containerId, node.name, cmd, opts)).stdout,
    spawn: (cmd, opts) => spawnIn(d, containerId, cmd, opts?.env),
    logs: async () => demuxLogs(await container.logs({ stdout: true, stderr: true, follow: false })),
    logStream: () => {
      if (!followed) {
        followed = followContainerLogs(d, containerId);
        ctx.defer(`${node.name}: stop following its log`, async () => (await followed)?.close());
      }
      return followed;
    },
    addressOf: ctx.addresses.addressOf,
    addressesOf: ctx.addresses.addressesOf,
    writeFiles: async (files) => {
      await container.putArchive(tarOf(files), { path: "/" });
    },
    get secrets() {
      return ctx.secrets();
    },
    labId: ctx.labId,
    kept: ctx.kept,
    defer: (what, undo) => ctx.defer(`${node.name}: ${what}`, undo),
  };
}
