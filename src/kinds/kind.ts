import type { z } from "zod";
import type { Issue } from "../common/errors.js";
import type { Logger } from "../common/log.js";
import type { LabSecrets } from "../lab/lab-secrets.js";
import type { LogStream } from "../lab/log-stream.js";
import type { ResolvedNode, ResolvedTopology } from "../topology/types.js";

/** One network a node joins, with the role the kind gives that interface ("lan", "wan", ...). */
export interface Attachment {
  readonly network: string;
  readonly role: string;
  /**
   * A further address on a network the node already joins, on the same interface (a TURN server's RFC 5780
   * second address). Only an attachment that says so may repeat a network; the lab adds it with `ip addr add`.
   */
  readonly secondary?: boolean;
}

/** A reference from one node to another that the topology checker verifies. */
export interface NodeReference {
  readonly path: string;
  readonly node: string;
  /** Kinds the referenced node may have. */
  readonly kinds: readonly string[];
}

/** Kinds a node may name as its `gateway`: they route. */
export const ROUTER_KINDS: readonly string[] = ["nat-router", "vpn-gateway"];

/** How a node's container is made: pure data, decided before Docker is touched. */
export interface ContainerPlan {
  /** Logical image name: a folder under containers/. */
  readonly image: string;
  readonly capAdd?: readonly string[];
  /** Host devices passed in (an OpenVPN node needs /dev/net/tun). */
  readonly devices?: readonly string[];
  readonly sysctls?: Readonly<Record<string, string>>;
  readonly env?: Readonly<Record<string, string>>;
  readonly cmd?: readonly string[];
  /** Replaces the image's entrypoint (a heuristic's image idles until the runner execs its own). */
  readonly entrypoint?: readonly string[];
}

/** What a kind may do with a started node: run commands in it and read its logs. */
export interface NodeRuntime<S = unknown> {
  readonly name: string;
  readonly node: ResolvedNode<S>;
  readonly topology: ResolvedTopology;
  readonly log: Logger;
  /** Runs a command to completion; rejects with ExecError on a non-zero exit. */
  exec(cmd: readonly string[], opts?: { stdin?: string }): Promise<string>;
  /** Starts a long-running command with its stdio attached (a user agent's control channel). */
  spawn(cmd: readonly string[], opts?: { env?: Readonly<Record<string, string>> }): Promise<ExecProcess>;
  logs(): Promise<string>;
  /** The container's log followed from its start, one stream per node: for programs that are not ours (Kamailio, coturn). */
  logStream(): Promise<LogStream>;
  /** Address of `node` on `network` (its first network when omitted), once the lab has allocated subnets. */
  addressOf(node: string, network?: string): string;
  /** Every address of `node` on `network` (its first network when omitted), its primary one first. */
  addressesOf(node: string, network?: string): string[];
  /** Writes files inside the node (parents created) in one archive upload: one round trip for all of them. */
  writeFiles(files: readonly NodeFile[]): Promise<void>;
  /** This lab's CA, certificates and TURN credentials. */
  readonly secrets: LabSecrets;
  readonly labId: string;
  /**
   * The lab outlives the process that drives it (`callpath up`): a program the lab drives runs as a daemon
   * on a unix socket in the node (a user agent too), so that a later `callpath call` reaches it. Otherwise
   * the programs that can die with the test process do (an agent over its `docker exec` stdio).
   */
  readonly kept: boolean;
  /** Registers an undo for something the kind changed outside the node (host settings): runs at teardown. */
  defer(what: string, undo: () => Promise<void>): void;
}

export interface NodeFile {
  readonly path: string;
  /** Text (UTF-8) or bytes (an executable). */
  readonly content: string | Buffer;
  /** Octal permission bits; default 0644. */
  readonly mode?: number;
}

/** A process running inside a node, its stdio attached to the test process. */
export interface ExecProcess {
  write(text: string): void;
  onStdout(listener: (chunk: string) => void): void;
  onStderr(listener: (chunk: string) => void): void;
  /** Resolves with the exit code once the process ends (or its stream closes). */
  readonly exited: Promise<number | null>;
  /** Closes stdin and the stream; the process sees EOF. */
  close(): void;
}

/**
 * What a kind's ready() gives the test process for one running node (a user agent's control channel, say).
 * `stop` runs at teardown, before the containers go.
 */
export interface NodeHandle {
  stop?(): Promise<void>;
}

/**
 * A node kind: its topology fields, its container, its start-up stages, and what it offers once running
 * (its handle `H`, and capabilities: a public address, impairable links). Kinds are plain objects
 * registered explicitly in builtin.ts; the topology schema is composed from them. Code outside the kind
 * asks these instead of reading specs or comparing kind names.
 */
export interface NodeKind<S = Record<string, unknown>, H extends NodeHandle | undefined = NodeHandle | undefined> {
  readonly name: string;
  readonly summary: string;
  /** Capability: its links can carry impairments (its image has impair.mjs, libnetfilter_queue, iptables-nft). */
  readonly impairable?: boolean;
  /**
   * Capability: its image has tcpdump (every image built on callpath's base), so the lab captures packets
   * on each of its interfaces when capture is on. A heuristic's own image may have none.
   */
  readonly capturable?: boolean;
  /**
   * Capability: it forwards packets between its networks (a router), so the ladder pairs what enters it
   * with what leaves it. `tunnel`: some leave through a tunnel interface that no capture sees.
   */
  readonly forwards?: { readonly tunnel: boolean };
  /** Capability: the network on which the outside sees the hosts behind this node (a router's WAN). */
  publicNetwork?(spec: S): string | undefined;
  /** Kind-only fields, strict; `kind` itself and the common fields are added by the topology schema. */
  readonly spec: z.ZodType<S>;
  attachments(spec: S): Attachment[];
  /** Router this node sends everything off-link through, if any. */
  gateway?(spec: S): string | undefined;
  references?(spec: S): NodeReference[];
  /** Extra static checks that need the whole topology. */
  check?(spec: S, name: string, topology: ResolvedTopology): Issue[];
  plan(node: ResolvedNode<S>, topology: ResolvedTopology): ContainerPlan;
  /** After routes are set and before the node is released: firewall rules and the like. */
  configure?(rt: NodeRuntime<S>): Promise<void>;
  /**
   * After release: resolves when the node's service answers, with the kind's handle on it. A kind that
   * sets `startsEarly` is released and called at once, and awaits `dependencies` (the nodes it references
   * are ready) itself, after the part of its start that needs none of them (loading its program); any
   * other kind is released only once its dependencies are ready.
   */
  ready?(rt: NodeRuntime<S>, signal: AbortSignal, dependencies: Promise<void>): Promise<H>;
  readonly startsEarly?: boolean;
  /** Stops the node's service while the node (and its address) stays: "the TURN server goes down". */
  stopService?(rt: NodeRuntime<S>): Promise<void>;
  /** Capability: what this node shows a scenario's report (an ALG's verdicts, say), pass or fail. */
  evidence?(rt: NodeRuntime<S>, handle: H): Promise<Evidence[]>;
}

/** One attachment for the scenario's report. */
export interface Evidence {
  readonly fileName: string;
  readonly mediaType: "text/plain" | "application/json";
  readonly body: string;
}

export function defineKind<S, H extends NodeHandle | undefined = undefined>(kind: NodeKind<S, H>): NodeKind<S, H> {
  return kind;
}

/** Any registered kind, whatever its spec and handle (the registry's and the lab's view). */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds kinds of every spec type; each kind checks its own.
export type AnyKind = NodeKind<any, NodeHandle | undefined>;
