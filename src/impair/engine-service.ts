import { z } from "zod";
import { defineService } from "../protocol/service.js";
import { subscribeMethod } from "../protocol/server.js";
import { ImpairmentSchema } from "./model.js";

// What the lab and the userspace impairment engine in a node (impair.mjs) say to each other, over the
// engine's unix socket (reached through bridge.mjs).

export const ENGINE_SOCKET = "/run/callpath/impair.sock";

/** Packets the engine sends itself (duplicates) carry this mark; the node's rules neither queue nor NAT them. */
export const DUP_MARK = 0x00c0ff1d;
/** Netfilter queue numbers for link ends start here (the userspace ALG uses queue 0). */
export const FIRST_QUEUE = 100;

const ResolvedMatchSchema = z.object({
  protocol: z.enum(["udp", "tcp", "icmp"]).optional(),
  port: z.object({ lo: z.number().int(), hi: z.number().int() }).optional(),
  to: z.string().optional(),
  from: z.string().optional(),
});
/** A rule as the lab validated it (defaults filled in), its node names resolved to prefixes. */
export const ResolvedImpairmentSchema = z.object({ ...ImpairmentSchema.shape, match: ResolvedMatchSchema.optional() });

export const EngineEndSchema = z.object({
  queue: z.number().int(),
  /** "wan egress" */
  label: z.string(),
  rules: z.array(ResolvedImpairmentSchema),
  descriptions: z.array(z.string()),
});
export type EngineEnd = z.infer<typeof EngineEndSchema>;

export const EndStatsSchema = z.object({
  label: z.string(),
  queue: z.number().int(),
  rules: z.array(z.string()),
  /** Packets the queue delivered. */
  seen: z.number(),
  /** Of those, packets a rule matched. */
  matched: z.number(),
  sent: z.number(),
  lost: z.number(),
  /** Dropped because `rate.limit` packets were already waiting. */
  overLimit: z.number(),
  duplicated: z.number(),
  corrupted: z.number(),
  /** How far behind its send time the engine let a packet go, at worst. */
  maxLateMs: z.number(),
  queuedNow: z.number().optional(),
});
export type EndStats = z.infer<typeof EndStatsSchema>;
export const EngineStatsSchema = z.object({ ends: z.array(EndStatsSchema) });
export type EngineStats = z.infer<typeof EngineStatsSchema>;

export const ImpairService = defineService({
  name: "impair",
  methods: {
    /** The whole configuration (every end it knows); answered once it is live, so the next packet obeys it. */
    configure: { params: z.object({ ends: z.array(EngineEndSchema) }), result: z.object({ ends: z.number().int() }) },
    stats: { params: z.object({}), result: EngineStatsSchema },
    /** Every end as last configured: what a process that attaches to a kept lab learns is in force. */
    config: { params: z.object({}), result: z.object({ ends: z.array(EngineEndSchema) }) },
    subscribe: subscribeMethod,
  },
  events: {
    ready: z.object({ pid: z.number().int() }),
    configured: z.object({ label: z.string(), queue: z.number().int(), rules: z.array(z.string()) }),
  },
});
