// The per-lab files Kamailio includes: its listeners on the node's own address, and its TLS set-up.
// Pure, so unit tested without Docker.

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
export const TLS_CONFIG_PATH = "/etc/kamailio/callpath-tls.cfg";
export const TLS_CERT_PATH = "/etc/kamailio/callpath-tls-chain.pem";
export const TLS_KEY_PATH = "/etc/kamailio/callpath-tls-key.pem";

/** Kamailio's socket protocol for each transport: WS rides on a TCP listener, WSS on a TLS one. */
const SOCKET_PROTO: Record<SipTransport, "udp" | "tcp" | "tls"> = { udp: "udp", udpAlt: "udp", tcp: "tcp", tls: "tls", ws: "tcp", wss: "tls" };

export function listenConfig(address: string): string {
  const lines = new Set((Object.keys(SIP_LISTENERS) as SipTransport[]).map((t) => `listen=${SOCKET_PROTO[t]}:${address}:${SIP_LISTENERS[t]}`));
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
