import { z } from "zod";
import { openDaemon } from "../../lab/daemon-channel.js";
import { MIRROR_SOCKET, MirrorService } from "../../mirror/mirror-service.js";
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
  capturable: true,
  summary: "answers every SIP request over UDP and TCP (5060 and 5080) with exactly the bytes that arrived: ground truth for what an ALG rewrote",
  spec: SipMirrorSpec,
  attachments: (spec) => [{ network: spec.network, role: "default" }],
  // The user agent's image carries Node and the mirror's bundle.
  plan: () => ({ image: "user-agent", cmd: ["/usr/local/bin/node", "/opt/callpath/mirror.mjs", MIRROR_PORTS.join(",")] }),
  async ready(rt, signal) {
    const mirror = await openDaemon(rt, MirrorService, MIRROR_SOCKET);
    try {
      await mirror.request("subscribe", { sinceSeq: 0 });
      for (const proto of ["udp", "tcp"] as const)
        for (const port of MIRROR_PORTS) await mirror.waitFor("listening", (l) => l.proto === proto && l.port === port, { timeoutMs: 1000, signal });
    } finally {
      mirror.close();
    }
  },
});
