import { z } from "zod";
import { defineService } from "../protocol/service.js";

// The lab-side probe (probe.mjs, in the user-agent image): listens and sends test traffic inside a node,
// so measurements carry nothing but lab traffic. A sender starts only once the listener said it is bound.

const Ip = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}$/);
const Port = z.number().int().min(1).max(65535);
const Proto = z.enum(["udp", "tcp"]);

export const ListenMode = z.enum([
  /** Counts datagrams (UDP) and bytes (TCP). */
  "count",
  /** Datagrams that start with a sequence number and a send time (CLOCK_MONOTONIC): one-way delays. */
  "timestamps",
  /** Each datagram as text: who sent it says so in it. */
  "text",
]);

export const Arrivals = z.object({
  datagrams: z.number().int(),
  bytes: z.number().int(),
  /** timestamps mode: [sequence number, one-way delay in µs] per arrival, in arrival order. */
  stamped: z.array(z.tuple([z.number().int(), z.number()])),
  /** text mode: each datagram's text, in arrival order. */
  texts: z.array(z.string()),
});
export type Arrivals = z.infer<typeof Arrivals>;

export const ProbeService = defineService({
  name: "probe",
  methods: {
    /** Answers once bound (the `listening` event says the same to whoever waits for it). */
    listen: {
      params: z.object({
        proto: Proto,
        /** Omitted: every address of the node. */
        ip: Ip.optional(),
        port: Port,
        mode: ListenMode.default("count"),
        /** UDP: once bound, send this text from the listening socket (opens a NAT mapping towards `to`). */
        open: z.object({ ip: Ip, port: Port, text: z.string() }).optional(),
      }),
      result: z.object({ listener: z.number().int() }),
    },
    /**
     * Stops a listener and reports what arrived: as soon as `expect` arrivals are in, else once `graceMs`
     * have passed (the window for what is still in flight, or for what never comes).
     */
    collect: {
      params: z.object({ listener: z.number().int(), expect: z.number().int().min(1).optional(), graceMs: z.number().int().min(0).max(60_000) }),
      result: Arrivals,
    },
    /** Sends the given payloads (base64, one buffer each) `gapMs` apart; answers once all are sent. */
    send: {
      params: z.object({
        proto: Proto,
        to: z.object({ ip: Ip, port: Port }),
        /** UDP source port; default: any. */
        fromPort: Port.optional(),
        payloads: z.array(z.string()).min(1),
        gapMs: z.number().min(0).max(10_000).default(20),
        /** TCP: give up connecting after this long (a firewall may drop the SYN). */
        connectTimeoutMs: z.number().int().min(1).max(60_000).default(3000),
      }),
      result: z.object({ sent: z.number().int(), error: z.string().nullable() }),
    },
    /** `count` UDP datagrams of `size` bytes carrying a sequence number and send time, paced against the clock. */
    sendStamped: {
      params: z.object({
        to: z.object({ ip: Ip, port: Port }),
        count: z.number().int().min(1).max(1_000_000),
        gapMs: z.number().min(0).max(10_000),
        size: z.number().int().min(12).max(65_000),
      }),
      result: z.object({ sent: z.number().int() }),
    },
  },
  events: {
    listening: z.object({ listener: z.number().int(), proto: Proto, address: z.string(), port: Port }),
  },
});
