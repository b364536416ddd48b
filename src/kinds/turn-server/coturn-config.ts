// coturn's configuration for one lab node: pure, so it is unit tested without Docker.
import type { TurnCredential } from "../../lab/lab-secrets.js";

/** The ports every callpath TURN server listens on, as providers deploy them. */
export const TURN_PORTS = {
  /** STUN and TURN over UDP and TCP. */
  plain: 3478,
  /** TURN over TLS (TURNS), the IANA port. */
  tls: 5349,
  /** TURN over TLS on the HTTPS port, the one corporate firewalls leave open. */
  tls443: 443,
} as const;

export const TURN_REALM = "callpath.test";
export const TURN_HOST = "turn.callpath.test";
export const CONFIG_PATH = "/etc/callpath/turnserver.conf";
export const CERT_PATH = "/etc/callpath/turn-chain.pem";
export const KEY_PATH = "/etc/callpath/turn-key.pem";

export interface CoturnInput {
  readonly address: string;
  readonly credential: TurnCredential;
}

export function coturnConfig({ address, credential }: CoturnInput): string {
  return [
    `listening-ip=${address}`,
    // Relayed transport addresses live on the same public address, as on a one-armed TURN host.
    `relay-ip=${address}`,
    `listening-port=${TURN_PORTS.plain}`,
    `tls-listening-port=${TURN_PORTS.tls}`,
    // RFC 5780 NAT-behaviour discovery needs a second address; one address here.
    "no-rfc5780",
    "min-port=49152",
    "max-port=65535",
    "fingerprint",
    "lt-cred-mech",
    `realm=${TURN_REALM}`,
    `user=${credential.username}:${credential.password}`,
    `cert=${CERT_PATH}`,
    `pkey=${KEY_PATH}`,
    "no-cli",
    "no-multicast-peers",
    "no-tlsv1",
    "no-tlsv1_1",
    // The log is the server's view of every allocation (client address, transport) that steps read.
    "log-file=stdout",
    "simple-log",
    "verbose",
    "",
  ].join("\n");
}

/** Table that forwards TCP 443 to the TLS listener (coturn opens its "alternative" TLS port only with RFC 5780). */
export const TURN_NFT_TABLE = "callpath_turn";

export function tls443Redirect(): string {
  return [
    `table ip ${TURN_NFT_TABLE} {`,
    "  chain prerouting {",
    "    type nat hook prerouting priority dstnat; policy accept;",
    `    tcp dport ${TURN_PORTS.tls443} redirect to :${TURN_PORTS.tls}`,
    "  }",
    "}",
    "",
  ].join("\n");
}
