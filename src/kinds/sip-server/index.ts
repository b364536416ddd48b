import { z } from "zod";
import { defineKind, type NodeFile, type NodeRuntime } from "../kind.js";
import { waitForListeningPorts } from "../../lab/wait/port-wait-strategy.js";
import { LISTEN_PATH, listenConfig, SIP_LISTENERS, TLS_CERT_PATH, TLS_CONFIG_PATH, TLS_KEY_PATH, tlsConfig } from "./kamailio-files.js";

/** The SIP domain every lab serves; Kamailio's config aliases it to itself. */
export const SIP_DOMAIN = "callpath.test";
export const SIP_PORT = 5060;
/** The name in the server's TLS certificate (clients connect by address and check this name). */
export const SIP_HOST = "sip.callpath.test";

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

/** Kamailio's per-lab files (listeners on the node's address, TLS), with a kind's own beside them: one upload. */
export async function writeKamailioFiles(rt: NodeRuntime, extra: readonly NodeFile[] = []): Promise<void> {
  const address = rt.addressOf(rt.name);
  const cert = await rt.secrets.issue(SIP_HOST, [address]);
  await rt.writeFiles([
    { path: LISTEN_PATH, content: listenConfig(address) },
    { path: TLS_CONFIG_PATH, content: tlsConfig() },
    { path: TLS_CERT_PATH, content: cert.chainPem },
    { path: TLS_KEY_PATH, content: cert.keyPem, mode: 0o600 },
    ...extra,
  ]);
}

/** Kamailio is ready once every SIP listener is open (it prints "Listening on" before it binds). */
export async function kamailioListening(rt: NodeRuntime, signal: AbortSignal, more: { udp?: readonly number[] } = {}): Promise<undefined> {
  const tcp = [SIP_LISTENERS.tcp, SIP_LISTENERS.tls, SIP_LISTENERS.ws, SIP_LISTENERS.wss];
  await waitForListeningPorts(rt, { udp: [SIP_LISTENERS.udp, ...(more.udp ?? [])], tcp }, { timeoutMs: 20_000, signal, what: "Kamailio" });
  return undefined;
}

export const sipServer = defineKind<SipServerSpec>({
  name: "sip-server",
  capturable: true,
  summary: "Kamailio registrar and proxy for the lab's domain: SIP over UDP/TCP 5060, TLS 5061, WS 80, WSS 443, with provider-style NAT handling",
  spec: SipServerSpec,
  attachments: (spec) => [{ network: spec.network, role: "default" }],
  plan: () => ({ image: "sip-server" }),
  configure: (rt) => writeKamailioFiles(rt),
  ready: (rt, signal) => kamailioListening(rt, signal),
});
