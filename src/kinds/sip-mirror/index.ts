import { z } from "zod";
import { retryUntil } from "../../common/retry.js";
import { defineKind } from "../kind.js";
import { SIP_LISTENERS } from "../sip-server/kamailio-files.js";

export const SipMirrorSpec = z.strictObject({
  network: z.string().describe("the network it listens on: the internet side of the ALG under test"),
});
export type SipMirrorSpec = z.infer<typeof SipMirrorSpec>;

export const MIRROR_PORTS = [SIP_LISTENERS.udp, SIP_LISTENERS.udpAlt] as const;

export const sipMirror = defineKind<SipMirrorSpec>({
  name: "sip-mirror",
  impairable: true,
  summary: "answers every SIP request over UDP (5060 and 5080) with exactly the bytes that arrived: ground truth for what an ALG rewrote",
  spec: SipMirrorSpec,
  attachments: (spec) => [{ network: spec.network, role: "default" }],
  // The user agent's image carries Node and the mirror's bundle.
  plan: () => ({ image: "user-agent", cmd: ["/usr/local/bin/node", "/opt/callpath/mirror.mjs", MIRROR_PORTS.join(",")] }),
  async ready(rt, signal) {
    await retryUntil(
      async () => {
        const logs = await rt.logs();
        return MIRROR_PORTS.every((p) => logs.includes(`listening on udp ${p}\n`));
      },
      {
      timeoutMs: 10_000,
      intervalMs: 25,
      signal,
        what: `the SIP mirror on ${rt.name} listening on UDP ${MIRROR_PORTS.join(", ")}`,
      },
    );
  },
});
