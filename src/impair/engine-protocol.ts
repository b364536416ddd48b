import type { ResolvedImpairment } from "./model.js";

// What the lab and the userspace engine inside a node say to each other: a configuration line on a FIFO,
// and a statistics file the engine rewrites (atomically) after each change and while packets flow.

export const ENGINE_FILES = {
  fifo: "/run/callpath/impair.ctl",
  stats: "/run/callpath/impair-stats.json",
  config: "/run/callpath/impair-config.json",
} as const;

/** Packets the engine sends itself (duplicates) carry this mark; the node's rules neither queue nor NAT them. */
export const DUP_MARK = 0x00c0ff1d;
/** Netfilter queue numbers for link ends start here (the userspace ALG uses queue 0). */
export const FIRST_QUEUE = 100;

export interface EngineEnd {
  readonly queue: number;
  /** "wan egress" */
  readonly label: string;
  readonly rules: readonly ResolvedImpairment[];
  readonly descriptions: readonly string[];
}

export interface EngineConfig {
  /** Echoed in the statistics once applied, so the lab knows the change is live. */
  readonly generation: number;
  readonly ends: readonly EngineEnd[];
}

export interface EndStats {
  label: string;
  queue: number;
  rules: readonly string[];
  /** Packets the queue delivered. */
  seen: number;
  /** Of those, packets a rule matched. */
  matched: number;
  sent: number;
  lost: number;
  /** Dropped because `rate.limit` packets were already waiting. */
  overLimit: number;
  duplicated: number;
  corrupted: number;
  /** How far behind its send time the engine let a packet go, at worst. */
  maxLateMs: number;
  queuedNow?: number;
}

export interface EngineStats {
  readonly generation: number;
  readonly ends: readonly EndStats[];
}
