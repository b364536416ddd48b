import { z } from "zod";
import { defineKind } from "../kind.js";
import { waitForListeningPorts } from "../../lab/wait/port-wait-strategy.js";
import { CERT_PATH, CONFIG_PATH, coturnConfig, KEY_PATH, tls443Redirect, TURN_HOST, TURN_PORTS } from "./coturn-config.js";

export const TurnServerSpec = z.strictObject({
  network: z.string().describe("the network the server listens on (usually the public one)"),
  rfc5780: z
    .boolean()
    .default(false)
    .describe("a second address on its network, so STUN answers RFC 5780 NAT-behaviour discovery (OTHER-ADDRESS, CHANGE-REQUEST) and RFC 3489 classifiers"),
});
export type TurnServerSpec = z.infer<typeof TurnServerSpec>;

export const turnServer = defineKind<TurnServerSpec>({
  name: "turn-server",
  summary: `coturn: STUN and TURN on UDP/TCP ${TURN_PORTS.plain}, TURN over TLS on ${TURN_PORTS.tls} and ${TURN_PORTS.tls443}, per-lab certificate and credentials`,
  spec: TurnServerSpec,
  attachments: (spec) => [{ network: spec.network, role: "default" }],
  plan: () => ({ image: "turn-server" }),
  async configure(rt) {
    const address = rt.addressOf(rt.name);
    const cert = await rt.secrets.issue(TURN_HOST, [address]);
    await Promise.all([
      rt.writeFiles([
        { path: CERT_PATH, content: cert.chainPem },
        { path: KEY_PATH, content: cert.keyPem, mode: 0o600 },
        { path: CONFIG_PATH, content: coturnConfig({ address, credential: rt.secrets.turn }) },
      ]),
      rt.exec(["nft", "-f", "-"], { stdin: tls443Redirect() }),
    ]);
  },
  async ready(rt, signal) {
    // 443 is redirected to the TLS port.
    await waitForListeningPorts(rt, { udp: [TURN_PORTS.plain], tcp: [TURN_PORTS.plain, TURN_PORTS.tls] }, { timeoutMs: 20_000, signal, what: "coturn" });
  },
  async stopService(rt) {
    // TERM, then wait: a relay that is "down" must not answer a single late request.
    await rt.exec([
      "sh",
      "-c",
      "pkill -TERM -x turnserver; for i in $(seq 100); do pgrep -x turnserver >/dev/null || exit 0; sleep 0.05; done; " +
        "pkill -KILL -x turnserver; sleep 0.2; if pgrep -x turnserver >/dev/null; then echo 'turnserver survived SIGKILL' >&2; exit 1; fi",
    ]);
  },
});
