import { z } from "zod";
import { defineService } from "../protocol/service.js";
import { subscribeMethod } from "../protocol/server.js";

// The SIP mirror (mirror.mjs): what it listens on (UDP and TCP), and each request it mirrored or ignored,
// as events kept in a bounded history.

export const MIRROR_SOCKET = "/run/callpath/mirror.sock";

export const MirrorService = defineService({
  name: "mirror",
  methods: { subscribe: subscribeMethod },
  events: {
    listening: z.object({ proto: z.enum(["udp", "tcp"]), port: z.number().int() }),
    received: z.object({ proto: z.enum(["udp", "tcp"]), port: z.number().int(), from: z.string(), bytes: z.number().int(), answered: z.boolean() }),
  },
});
