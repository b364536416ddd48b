import { z } from "zod";
import { type Attachment, defineKind, type NodeFile, type NodeRuntime } from "../kind.js";
import { waitForListeningPorts } from "../../lab/wait/port-wait-strategy.js";
import type { Issue } from "../../common/errors.js";
import {
  KEEPALIVE_ANSWERS,
  KEEPALIVE_PATH,
  type KeepaliveAnswer,
  keepaliveConfig,
  LISTEN_PATH,
  listenConfig,
  NAT_HANDLING,
  NAT_PATH,
  type NatHandling,
  natConfig,
  REGISTRAR_PATH,
  registrarConfig,
  SIP_LISTENERS,
  TLS_CERT_PATH,
  TLS_CONFIG_PATH,
  TLS_KEY_PATH,
  tlsConfig,
} from "./kamailio-files.js";

/** The SIP domain every lab serves; Kamailio's config aliases it to itself. */
export const SIP_DOMAIN = "callpath.test";
export const SIP_PORT = 5060;
/** The name in the server's TLS certificate (clients connect by address and check this name). */
export const SIP_HOST = "sip.callpath.test";

/** Short registrations by default keep "the binding expired" scenarios short; providers run 60–3600. */
export const REGISTRAR_DEFAULTS = { minExpires: 10, maxExpires: 3600 } as const;

export const RegistrarSpec = z
  .strictObject({
    minExpires: z.number().int().min(1).max(86_400).default(REGISTRAR_DEFAULTS.minExpires).describe("a REGISTER asking for less is granted this"),
    maxExpires: z.number().int().min(1).max(86_400).default(REGISTRAR_DEFAULTS.maxExpires).describe("a REGISTER asking for more is granted this"),
  })
  .default(REGISTRAR_DEFAULTS)
  .describe("the registrar's Expires limits: a short maximum makes phones re-register often, which holds a NAT pinhole open as keep-alives do");
export type RegistrarSpec = z.infer<typeof RegistrarSpec>;

/** minExpires above maxExpires: a registrar no phone could satisfy. */
export function registrarIssues(spec: { registrar: RegistrarSpec }, name: string): Issue[] {
  const { minExpires, maxExpires } = spec.registrar;
  return minExpires > maxExpires
    ? [{ path: `nodes.${name}.registrar.minExpires`, message: `${minExpires} is above maxExpires (${maxExpires}): no registration could be granted` }]
    : [];
}

export const INBOUND_FROM = ["registrar", "edge"] as const;

export const InboundSpec = z
  .enum(INBOUND_FROM)
  .default("registrar")
  .describe(
    "where calls to a registered classic phone come from: the registrar's own address, the flow the phone opened by registering (registrar), or a second address of the node, an edge proxy (edge), which a NAT that filters by address never lets in; a WebSocket client is always reached over its own connection",
  );

/** A provider's addresses on its network: the registrar's, and the edge proxy's when inbound requests leave from one. */
export function providerAttachments(spec: { network: string; inbound: (typeof INBOUND_FROM)[number] }): Attachment[] {
  return [{ network: spec.network, role: "default" }, ...(spec.inbound === "edge" ? [{ network: spec.network, role: "edge", secondary: true }] : [])];
}

export const KeepalivesSpec = z
  .array(z.enum(KEEPALIVE_ANSWERS))
  .max(KEEPALIVE_ANSWERS.length)
  .refine((l) => new Set(l).size === l.length, "each keep-alive once")
  .default(["options"])
  .describe(
    "keep-alives the provider answers on its UDP SIP port: OPTIONS to the server (200 OK, the phone's public address in Via received/rport) and STUN Binding requests (XOR-MAPPED-ADDRESS). A double CRLF over UDP is answered by no one",
  );

export const SipServerSpec = z.strictObject({
  network: z.string().describe("the network the server listens on (usually the public one)"),
  registrar: RegistrarSpec,
  inbound: InboundSpec,
  keepalives: KeepalivesSpec,
  nat: z
    .enum(NAT_HANDLING)
    .default("source")
    .describe(
      "what it does with the SDP of a classic phone it finds behind NAT: rewrite the address to where the message came from (source, Kamailio's default configuration) or trust it (sdp); either way it still saves the registration's source and aliases the Contact",
    ),
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

/**
 * Kamailio's per-lab files (listeners on the node's addresses, registrar, TLS), with a kind's own beside
 * them: one upload. The node's second address on its network, when it has one, is its edge proxy.
 */
export async function writeKamailioFiles(
  rt: NodeRuntime<{ network: string; registrar: RegistrarSpec; keepalives: readonly KeepaliveAnswer[]; nat: NatHandling }>,
  extra: readonly NodeFile[] = [],
): Promise<void> {
  const { registrar, keepalives, nat } = rt.node.spec;
  const [address, edge] = rt.addressesOf(rt.name, rt.node.spec.network) as [string, string | undefined];
  const cert = await rt.secrets.issue(SIP_HOST, edge ? [address, edge] : [address]);
  await rt.writeFiles([
    { path: LISTEN_PATH, content: listenConfig(address, edge) },
    { path: REGISTRAR_PATH, content: registrarConfig(registrar) },
    { path: KEEPALIVE_PATH, content: keepaliveConfig(keepalives) },
    { path: NAT_PATH, content: natConfig(nat) },
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
  attachments: providerAttachments,
  plan: () => ({ image: "sip-server" }),
  check: registrarIssues,
  configure: (rt) => writeKamailioFiles(rt),
  ready: (rt, signal) => kamailioListening(rt, signal),
});
