import { formatIp, mask, parseCidr } from "../../common/ipv4.js";

// OpenVPN 2.6 configurations for the two ends of a lab tunnel (CONDITIONS C.2): a concentrator on the
// internet side, and a client that is a site gateway routing a LAN into the tunnel. Pure text.

export const VPN_DIR = "/etc/callpath-vpn";
export const VPN_PORT = 1194;
export const VPN_SERVER_NAME = "vpn.callpath.test";
export const TUN = "tun0";

export interface TunnelSettings {
  readonly proto: "udp" | "tcp";
  readonly mtu: number;
  /** OpenVPN's mssfix: null leaves its default (1492 mtu in 2.6), 0 turns it off. */
  readonly mssfix: number | null;
}

function common(t: TunnelSettings): string[] {
  return [
    `dev ${TUN}`,
    "dev-type tun",
    `ca ${VPN_DIR}/ca.pem`,
    `cert ${VPN_DIR}/cert.pem`,
    `key ${VPN_DIR}/key.pem`,
    `tun-mtu ${t.mtu}`,
    ...(t.mssfix === null ? [] : [`mssfix ${t.mssfix}`]),
    // Data-channel offload needs a kernel module: the userspace data path works everywhere.
    "disable-dco",
    "persist-tun",
    "verb 3",
  ];
}

export function concentratorConfig(t: TunnelSettings, listenIp: string, subnet: string): string {
  const c = parseCidr(subnet);
  if (!c) throw new Error(`not a subnet: ${subnet}`);
  return [
    ...common(t),
    `proto ${t.proto === "udp" ? "udp" : "tcp-server"}`,
    `local ${listenIp}`,
    `port ${VPN_PORT}`,
    `server ${formatIp(c.network)} ${formatIp(mask(c.prefix))}`,
    "topology subnet",
    "dh none",
    "keepalive 10 60",
    "",
  ].join("\n");
}

export function clientConfig(t: TunnelSettings, serverIp: string): string {
  return [
    ...common(t),
    "client",
    `proto ${t.proto === "udp" ? "udp" : "tcp-client"}`,
    `remote ${serverIp} ${VPN_PORT}`,
    "nobind",
    "remote-cert-tls server",
    `verify-x509-name ${VPN_SERVER_NAME} name`,
    // The site gateway routes by its own rules (full or split tunnel), not by what the server pushes.
    "route-nopull",
    "connect-retry 1 2",
    "",
  ].join("\n");
}
