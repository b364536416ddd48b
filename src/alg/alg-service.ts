import { z } from "zod";
import { defineService } from "../protocol/service.js";
import { subscribeMethod } from "../protocol/server.js";

// The userspace ALG (alg.mjs) in a nat-router: every packet's fate is a `verdict` event, kept in a bounded
// history, so steps and reports read what it did from any later connection.

export const ALG_SOCKET = "/run/callpath/alg.sock";

export const VerdictSchema = z.object({
  action: z.enum(["rewrite", "drop", "pass", "error"]),
  direction: z.enum(["outbound", "inbound"]),
  /** "198.51.100.2:5060→198.51.100.9:5060" */
  flow: z.string(),
  /** The request method, or "200 INVITE" for a response; null when the payload was not SIP. */
  message: z.string().nullable(),
  reinvite: z.boolean(),
  summary: z.string(),
  changes: z.array(z.string()),
});
export type AlgVerdict = z.infer<typeof VerdictSchema>;

export const AlgService = defineService({
  name: "alg",
  methods: { subscribe: subscribeMethod },
  events: {
    bound: z.object({ queue: z.number().int(), profile: z.string(), rules: z.record(z.string(), z.unknown()) }),
    verdict: VerdictSchema,
  },
});

/** One verdict in a line, for reports and the container log. */
export function formatVerdict(v: AlgVerdict): string {
  return `${v.action} ${v.direction} ${v.flow} ${v.summary}`;
}
