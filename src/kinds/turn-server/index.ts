import { z } from "zod";
import { defineKind } from "../kind.js";
import { LabError } from "../../common/errors.js";
import { retryUntil } from "../../common/retry.js";
import { waitForListeningPorts } from "../../lab/wait/port-wait-strategy.js";
import { CERT_PATH, CONFIG_PATH, coturnConfig, KEY_PATH, missingUdpListeners, tls443Redirect, TURN_HOST, TURN_PORTS } from "./coturn-config.js";

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
  capturable: true,
  summary: `coturn: STUN and TURN on UDP/TCP ${TURN_PORTS.plain}, TURN over TLS on ${TURN_PORTS.tls} and ${TURN_PORTS.tls443}, per-lab certificate and credentials`,
  spec: TurnServerSpec,
  // RFC 5780's second address: on the same network and interface, added by the lab with `ip addr add`.
  attachments: (spec) => [{ network: spec.network, role: "default" }, ...(spec.rfc5780 ? [{ network: spec.network, role: "alternate", secondary: true }] : [])],
  plan: () => ({ image: "turn-server" }),
  async configure(rt) {
    const [address, alternate] = rt.addressesOf(rt.name, rt.node.spec.network) as [string, string | undefined];
    const cert = await rt.secrets.issue(TURN_HOST, alternate ? [address, alternate] : [address]);
    await Promise.all([
      rt.writeFiles([
        { path: CERT_PATH, content: cert.chainPem },
        { path: KEY_PATH, content: cert.keyPem, mode: 0o600 },
        { path: CONFIG_PATH, content: coturnConfig({ address, alternate, credential: rt.secrets.turn }) },
      ]),
      rt.exec(["nft", "-f", "-"], { stdin: tls443Redirect() }),
    ]);
  },
  async ready(rt, signal) {
    // 443 is redirected to the TLS port.
    const addresses = rt.addressesOf(rt.name, rt.node.spec.network);
    if (addresses.length < 2) {
      await waitForListeningPorts(rt, { udp: [TURN_PORTS.plain], tcp: [TURN_PORTS.plain, TURN_PORTS.tls] }, { timeoutMs: 20_000, signal, what: "coturn" });
      return;
    }
    // RFC 5780: STUN on UDP at both addresses, each on the plain and the alternate port (a CHANGE-REQUEST
    // is answered from the other one), TCP beside them.
    await waitForListeningPorts(
      rt,
      { udp: [TURN_PORTS.plain, TURN_PORTS.alt], tcp: [TURN_PORTS.plain, TURN_PORTS.alt, TURN_PORTS.tls] },
      { timeoutMs: 20_000, signal, what: "coturn" },
    );
    let missing: string[] = [];
    await retryUntil(
      async () => {
        missing = missingUdpListeners(await rt.exec(["ss", "-lntu"]), addresses, [TURN_PORTS.plain, TURN_PORTS.alt]);
        return missing.length === 0;
      },
      { timeoutMs: 20_000, intervalMs: 25, signal, what: `coturn on ${rt.name} listening on UDP ${addresses.join(" and ")} (RFC 5780)` },
    ).catch((e: Error) => {
      throw new LabError(`${e.message}; not listening: ${missing.join(", ")}`);
    });
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
