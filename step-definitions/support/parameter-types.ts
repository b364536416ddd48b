import { defineParameterType } from "@cucumber/cucumber";

// Node names as the topology spells them; the World turns them into handles, since the lab does not
// exist yet when cucumber parses step text.
defineParameterType({ name: "node", regexp: /[a-z][a-z0-9-]*/, transformer: (s: string) => s });

defineParameterType({
  name: "duration",
  regexp: /\d+(?:\.\d+)?\s*(?:ms|milliseconds?|s|seconds?)/,
  transformer: (s: string) => {
    const m = /^(\d+(?:\.\d+)?)\s*(\w+)$/.exec(s.trim())!;
    return m[2]!.startsWith("m") ? Number(m[1]) : Number(m[1]) * 1000;
  },
});

// TURN transports as apps configure them (`?transport=udp|tcp`, `turns:` for tls).
defineParameterType({ name: "turnTransport", regexp: /udp|tcp|tls/, transformer: (s: string) => s });
