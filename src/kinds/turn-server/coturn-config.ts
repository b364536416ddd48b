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
  /** RFC 5780's alternate port (OTHER-ADDRESS, CHANGE-REQUEST "change port"): STUN on UDP, TCP beside it for symmetry. */
  alt: 3479,
  /** The alternate TLS port coturn opens with RFC 5780. */
  tlsAlt: 5350,
} as const;

export const TURN_REALM = "callpath.test";
export const TURN_HOST = "turn.callpath.test";
export const CONFIG_PATH = "/etc/callpath/turnserver.conf";
export const CERT_PATH = "/etc/callpath/turn-chain.pem";
export const KEY_PATH = "/etc/callpath/turn-key.pem";

export interface CoturnInput {
  readonly address: string;
  /**
   * The second address for RFC 5780 (turn-server `rfc5780: true`), on the same network. Without it coturn
   * has one listening address and NAT-behaviour discovery is off.
   */
  readonly alternate?: string;
  readonly credential: TurnCredential;
}

export function coturnConfig({ address, alternate, credential }: CoturnInput): string {
  return [
    `listening-ip=${address}`,
    // coturn 4.6 does RFC 5780 only with two listening addresses of one family: each address listens on
    // listening-port and alt-listening-port, so a CHANGE-REQUEST (change IP and port) to address:3478 is
    // answered from alternate:3479, and OTHER-ADDRESS (RFC 3489's CHANGED-ADDRESS) names alternate:3479.
    ...(alternate
      ? [`listening-ip=${alternate}`, `alt-listening-port=${TURN_PORTS.alt}`, `alt-tls-listening-port=${TURN_PORTS.tlsAlt}`]
      : // RFC 5780 NAT-behaviour discovery needs a second address; one address here.
        ["no-rfc5780"]),
    // Relayed transport addresses live on the primary address, as on a one-armed TURN host.
    `relay-ip=${address}`,
    `listening-port=${TURN_PORTS.plain}`,
    `tls-listening-port=${TURN_PORTS.tls}`,
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

/**
 * The UDP endpoints (`ip:port`) of `addresses` × `ports` that `ss -lntu` does not list: coturn binds each
 * listening address on its own, so a port open on one address says nothing about the other.
 */
export function missingUdpListeners(ss: string, addresses: readonly string[], ports: readonly number[]): string[] {
  const open = new Set<string>();
  for (const line of ss.split("\n")) {
    const [netid, , , , local] = line.trim().split(/\s+/);
    if (netid === "udp" && local) open.add(local);
  }
  return addresses.flatMap((a) => ports.map((p) => `${a}:${p}`)).filter((e) => !open.has(e));
}
