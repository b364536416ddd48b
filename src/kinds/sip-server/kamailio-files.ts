// The per-lab files Kamailio includes: its listeners on the node's own address, and its TLS set-up.
// Pure, so unit tested without Docker.

import { parseIp } from "../../common/ipv4.js";

/** Where each transport listens, as providers deploy them. */
export const SIP_LISTENERS = {
  udp: 5060,
  // A second UDP port: SIP there passes ALGs keyed on 5060 (the "use another port" mitigation).
  udpAlt: 5080,
  tcp: 5060,
  tls: 5061,
  ws: 80,
  wss: 443,
} as const;
export type SipTransport = keyof typeof SIP_LISTENERS;

export const LISTEN_PATH = "/etc/kamailio/callpath-listen.cfg";
export const REGISTRAR_PATH = "/etc/kamailio/callpath-registrar.cfg";
export const KEEPALIVE_PATH = "/etc/kamailio/callpath-keepalive.cfg";
export const NAT_PATH = "/etc/kamailio/callpath-nat.cfg";
export const TLS_CONFIG_PATH = "/etc/kamailio/callpath-tls.cfg";
export const TLS_CERT_PATH = "/etc/kamailio/callpath-tls-chain.pem";
export const TLS_KEY_PATH = "/etc/kamailio/callpath-tls-key.pem";

/** Kamailio's socket protocol for each transport: WS rides on a TCP listener, WSS on a TLS one. */
const SOCKET_PROTO: Record<SipTransport, "udp" | "tcp" | "tls"> = { udp: "udp", udpAlt: "udp", tcp: "tcp", tls: "tls", ws: "tcp", wss: "tls" };

/** Transports an edge proxy sends inbound requests over: a WebSocket client is reached only over its own connection. */
const EDGE_TRANSPORTS = ["udp", "tcp", "tls"] as const satisfies readonly SipTransport[];

function checkedIp(address: string): string {
  if (parseIp(address) === null) throw new Error(`not an IPv4 address: ${JSON.stringify(address)}`);
  return address;
}

/**
 * Kamailio's listeners on the node's address; with `edge`, a second address that inbound requests to
 * classic phones leave from (a provider's edge proxy), defined as EDGE_UDP, EDGE_TCP and EDGE_TLS for
 * the config's route[EDGE].
 */
export function listenConfig(address: string, edge?: string): string {
  const lines = new Set((Object.keys(SIP_LISTENERS) as SipTransport[]).map((t) => `listen=${SOCKET_PROTO[t]}:${checkedIp(address)}:${SIP_LISTENERS[t]}`));
  if (edge !== undefined) {
    if (checkedIp(edge) === address) throw new Error(`the edge address ${edge} is the registrar's own`);
    lines.add("#!define WITH_EDGE");
    for (const t of EDGE_TRANSPORTS) {
      const socket = `${SOCKET_PROTO[t]}:${edge}:${SIP_LISTENERS[t]}`;
      lines.add(`listen=${socket}`);
      lines.add(`#!define EDGE_${t.toUpperCase()} "${socket}"`);
    }
  }
  return `${[...lines].join("\n")}\n`;
}

/** The registrar's Expires limits, as a provider sets them: what it grants a REGISTER that asks for less or more. */
export interface RegistrarLimits {
  readonly minExpires: number;
  readonly maxExpires: number;
}

export function registrarConfig({ minExpires, maxExpires }: RegistrarLimits): string {
  for (const [name, v] of Object.entries({ minExpires, maxExpires }))
    if (!Number.isInteger(v) || v < 1 || v > 86_400) throw new Error(`${name} must be a whole number of seconds from 1 to 86400, not ${v}`);
  if (minExpires > maxExpires) throw new Error(`minExpires (${minExpires}) is above maxExpires (${maxExpires})`);
  return `#!define REG_MIN_EXPIRES ${minExpires}\n#!define REG_MAX_EXPIRES ${maxExpires}\n`;
}

/**
 * Keep-alives a provider may answer on its UDP SIP port: OPTIONS to the server itself (200, with the
 * phone's public address in Via received/rport) and STUN Binding requests (Kamailio's stun module,
 * XOR-MAPPED-ADDRESS). A double CRLF over UDP is answered by nobody (RFC 5626 defines it for TCP only).
 */
export const KEEPALIVE_ANSWERS = ["options", "stun"] as const;
export type KeepaliveAnswer = (typeof KEEPALIVE_ANSWERS)[number];

export function keepaliveConfig(answers: readonly KeepaliveAnswer[]): string {
  const unknown = answers.filter((a) => !(KEEPALIVE_ANSWERS as readonly string[]).includes(a));
  if (unknown.length > 0) throw new Error(`keep-alives a provider can answer: ${KEEPALIVE_ANSWERS.join(", ")}; not ${unknown.join(", ")}`);
  return [...new Set(answers)]
    .sort()
    .map((a) => `#!define ANSWER_${a.toUpperCase()}\n`)
    .join("");
}

export function tlsConfig(): string {
  return [
    "[server:default]",
    "method = TLSv1.2+",
    "verify_certificate = no",
    "require_certificate = no",
    `certificate = ${TLS_CERT_PATH}`,
    `private_key = ${TLS_KEY_PATH}`,
    "",
    "[client:default]",
    "method = TLSv1.2+",
    "verify_certificate = no",
    "require_certificate = no",
    "",
  ].join("\n");
}

/** The URL a WebSocket client connects to. */
export function webSocketUrl(transport: "ws" | "wss", address: string): string {
  return `${transport}://${address}:${SIP_LISTENERS[transport]}`;
}

/** What a provider does with the SDP of a phone it finds behind NAT: rewrite its address to the source's, or trust it. */
export const NAT_HANDLING = ["source", "sdp"] as const;
export type NatHandling = (typeof NAT_HANDLING)[number];

/** TRUST_SDP leaves a NATed phone's SDP as it came (the SBC's relay is told the same through its own flags). */
export function natConfig(nat: NatHandling): string {
  if (!(NAT_HANDLING as readonly string[]).includes(nat)) throw new Error(`NAT handling is one of ${NAT_HANDLING.join(", ")}; not ${nat}`);
  return nat === "sdp" ? "#!define TRUST_SDP\n" : "# nat: source, the SDP's address rewritten to where the message came from\n";
}
