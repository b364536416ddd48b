import { z } from "zod";
import { retryUntil } from "../../common/retry.js";
import { defineKind } from "../kind.js";

/** The SIP domain every lab serves; Kamailio's config aliases it to itself. */
export const SIP_DOMAIN = "callpath.test";
export const SIP_PORT = 5060;

export const SipServerSpec = z.strictObject({
  network: z.string().describe("the network the server listens on (usually the public one)"),
});
export type SipServerSpec = z.infer<typeof SipServerSpec>;

/** One request as Kamailio logged it on arrival: the server's view of where a message came from. */
export interface ServerSighting {
  readonly method: string;
  readonly ruri: string;
  readonly source: string;
  readonly proto: string;
  readonly contact: string;
}

const RX = /CALLPATH-RX (\S+) (\S+) from (\S+) proto=(\S+) via=.*? contact=(.*)$/;

export function parseSightings(logs: string): ServerSighting[] {
  return logs.split("\n").flatMap((line) => {
    const m = RX.exec(line);
    return m ? [{ method: m[1]!, ruri: m[2]!, source: m[3]!, proto: m[4]!, contact: m[5]!.trim() }] : [];
  });
}

export const sipServer = defineKind<SipServerSpec>({
  name: "sip-server",
  summary: "Kamailio registrar and proxy for the lab's domain, SIP over UDP and TCP on 5060, with provider-style NAT handling",
  spec: SipServerSpec,
  attachments: (spec) => [{ network: spec.network, role: "default" }],
  plan: () => ({ image: "sip-server" }),
  async ready(rt, signal) {
    await retryUntil(
      async () => (await rt.exec(["ss", "-lnu"])).includes(`:${SIP_PORT}`),
      { timeoutMs: 20_000, intervalMs: 25, signal, what: `Kamailio on ${rt.name} listening on UDP ${SIP_PORT}` },
    );
  },
});
