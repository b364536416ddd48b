import { z } from "zod";
import type { Issue } from "../../common/errors.js";
import { choices } from "../../common/errors.js";
import { formatCidr, overlaps, parseCidr, type Cidr } from "../../common/ipv4.js";
import { reservedSpace } from "../../topology/check.js";
import { cidr, networkRef, nodeOrPrefix as nodeOrPrefixField, nodeRef } from "../../topology/schema.js";
import type { ResolvedTopology } from "../../topology/types.js";
import { PRIVATE_POOLS, PUBLIC_POOLS } from "../../lab/subnet-pool.js";
import { interfaceLookup, nftLoad } from "../../lab/interface-script.js";
import { defineKind, ROUTER_KINDS, type NodeRuntime } from "../kind.js";
import { nodeOrPrefixes } from "../node-ref.js";
import { clientConfig, concentratorConfig, TUN, VPN_DIR, VPN_PORT, VPN_SERVER_NAME, type TunnelSettings } from "./openvpn-config.js";

/** A field of the other role: present in the shape only to be rejected with the reason. */
const otherRole = (reason: string) => z.never({ error: reason }).optional();
const CLIENT_FOLLOWS = "set mtu/proto on the concentrator; clients follow it";
const CONCENTRATOR_ONLY = "not used by role client: it belongs to the concentrator";
const CLIENT_ONLY = "not used by role concentrator: a concentrator serves on `network`; lan, wan, gateway, server, mode and routes are a client's";

const shared = {
  dropFragments: z.boolean().default(false).describe("drop IP fragments arriving on its underlay, as a path that drops fragments does"),
  blockFragNeeded: z
    .boolean()
    .default(false)
    .describe("never send ICMP 'fragmentation needed': a packet too big for the tunnel vanishes without a word (a PMTU black hole)"),
};

export const ConcentratorSpec = z.strictObject({
  role: z.literal("concentrator").describe("the VPN server on the internet side"),
  network: networkRef("the network it serves on"),
  proto: z.enum(["udp", "tcp"]).default("udp").describe("the tunnel's transport (the client follows)"),
  subnet: cidr.default("10.8.0.0/24").describe("tunnel addresses, /8 to /29, outside every lab network"),
  mtu: z.number().int().min(576).max(9000).default(1500).describe("tun-mtu of both ends"),
  mssfix: z.number().int().min(0).max(9000).optional().describe("OpenVPN mssfix of both ends (0 off; default OpenVPN's 1492 mtu)"),
  natTimeout: z.number().int().min(5).max(86_400).optional().describe("lifetime (s) of its UDP NAT mappings for tunnelled traffic"),
  ...shared,
  lan: otherRole(CLIENT_ONLY),
  wan: otherRole(CLIENT_ONLY),
  gateway: otherRole(CLIENT_ONLY),
  server: otherRole(CLIENT_ONLY),
  mode: otherRole(CLIENT_ONLY),
  routes: otherRole(CLIENT_ONLY),
});

export const ClientSpec = z.strictObject({
  role: z.literal("client").describe("a site gateway routing its LAN into the tunnel"),
  lan: networkRef("the LAN it routes"),
  wan: networkRef("its underlay network"),
  gateway: nodeRef("the router its underlay goes through (a home NAT), if any").optional(),
  server: nodeRef("the concentrator it connects to"),
  mode: z.enum(["full", "split"]).default("full").describe("everything from the LAN through the tunnel, or only `routes`"),
  routes: z.array(nodeOrPrefixField).max(64).default([]).describe("split tunnel: node names or prefixes sent through the tunnel; the rest goes direct"),
  ...shared,
  network: otherRole("not used by role client: a client joins `lan` and `wan`"),
  proto: otherRole(CLIENT_FOLLOWS),
  mtu: otherRole(CLIENT_FOLLOWS),
  mssfix: otherRole(`${CONCENTRATOR_ONLY} (mssfix applies to both ends from there)`),
  subnet: otherRole(`${CONCENTRATOR_ONLY} (clients get their tunnel address from its subnet)`),
  natTimeout: otherRole(`${CONCENTRATOR_ONLY}, which NATs the tunnelled traffic`),
});

const VpnGatewaySpec = z
  .discriminatedUnion("role", [ConcentratorSpec, ClientSpec])
  .describe("concentrator: the VPN server on the internet side; client: a site gateway routing its LAN into the tunnel");
export type VpnGatewaySpec = z.infer<typeof VpnGatewaySpec>;
export type ConcentratorSpec = z.infer<typeof ConcentratorSpec>;
export type ClientSpec = z.infer<typeof ClientSpec>;

const CLIENT_TABLE = 100;

function tunnelOf(server: ConcentratorSpec): TunnelSettings {
  return { proto: server.proto, mtu: server.mtu, mssfix: server.mssfix ?? null };
}

/** nft rules this node adds beside OpenVPN: NAT for the tunnel, the fragment-dropping path, the PMTU black hole. */
export function vpnRuleset(spec: VpnGatewaySpec): string {
  const nat =
    spec.role === "concentrator"
      ? [`    ip saddr ${formatCidr(parseCidr(spec.subnet)!)} oifname "$WAN_IF" masquerade`]
      : // What the LAN sends direct (a split tunnel's rest) leaves by the WAN under the gateway's address.
        [`    oifname "${TUN}" masquerade`, `    iifname "$LAN_IF" oifname "$WAN_IF" masquerade`];
  return [
    "table ip callpath_vpn {",
    "  chain post {",
    "    type nat hook postrouting priority srcnat; policy accept;",
    ...nat,
    "  }",
    // Unsolicited packets to the node itself are dropped before conntrack confirms an entry for them, as
    // nat-router does and as a firewalled concentrator would. Otherwise the far end's early RTP to the
    // port the SDP names (it leaves with the 200 OK, before the caller's first packet has come through
    // the tunnel) is confirmed as a flow to the node, occupies the reply tuple of the phone's mapping, and
    // masquerade moves the phone to another port: the far end keeps sending to the first one, and no RTP
    // reaches the phone. Only the concentrator's own tunnel port is open.
    "  chain input {",
    "    type filter hook input priority filter; policy accept;",
    ...(spec.role === "concentrator" ? [`    iifname "$WAN_IF" ${spec.proto} dport ${VPN_PORT} accept`] : []),
    '    iifname "$WAN_IF" ct state new drop',
    "  }",
    ...(spec.blockFragNeeded
      ? [
          // The node still drops a packet too big for tun0 with DF set; only its ICMP is silenced, so the
          // sender never learns the path MTU (RFC 1191 depends on that message).
          "  chain icmp_out {",
          "    type filter hook output priority 0; policy accept;",
          '    icmp type destination-unreachable icmp code frag-needed counter name "cp_frag_needed" drop',
          "  }",
          "  counter cp_frag_needed { }",
        ]
      : []),
    ...(spec.dropFragments
      ? [
          // Before defragmentation (−400): every fragment, first or later, is lost on the way in.
          "  chain underlay_in {",
          "    type filter hook prerouting priority -500; policy accept;",
          `    iifname "$WAN_IF" ip frag-off & 0x3fff != 0 counter name "cp_fragments" drop`,
          "  }",
          "  counter cp_fragments { }",
        ]
      : []),
    "}",
  ].join("\n");
}

async function configureConcentrator(rt: NodeRuntime, spec: ConcentratorSpec): Promise<void> {
  const ip = rt.addressOf(rt.name, spec.network);
  const cert = await rt.secrets.issue(VPN_SERVER_NAME, [ip]);
  await rt.writeFiles([
    { path: `${VPN_DIR}/ca.pem`, content: rt.secrets.caPem },
    { path: `${VPN_DIR}/cert.pem`, content: cert.certPem },
    { path: `${VPN_DIR}/key.pem`, content: cert.keyPem, mode: 0o600 },
    { path: `${VPN_DIR}/vpn.conf`, content: concentratorConfig(tunnelOf(spec), ip, spec.subnet) },
  ]);
  await rt.exec([
    "sh",
    "-ec",
    [interfaceLookup("WAN_IF", ip), nftLoad(vpnRuleset(spec), ["WAN_IF"]), `nohup openvpn --config ${VPN_DIR}/vpn.conf >/proc/1/fd/1 2>&1 &`].join("\n"),
  ]);
}

/**
 * Writes an OpenVPN client's files (certificate from the lab CA, config following its concentrator's
 * tunnel settings) and returns the shell lines that start it and wait for tun0. Used by a site gateway
 * and by a user agent with its own VPN client.
 */
export async function prepareVpnClient(rt: NodeRuntime, serverName: string): Promise<{ serverIp: string; start: string[] }> {
  const server = rt.topology.nodes.get(serverName)!.spec as ConcentratorSpec;
  const serverIp = rt.addressOf(serverName, server.network);
  const cert = await rt.secrets.issue(`${rt.name}.vpn-client.callpath.test`, [], "client");
  await rt.writeFiles([
    { path: `${VPN_DIR}/ca.pem`, content: rt.secrets.caPem },
    { path: `${VPN_DIR}/cert.pem`, content: cert.certPem },
    { path: `${VPN_DIR}/key.pem`, content: cert.keyPem, mode: 0o600 },
    { path: `${VPN_DIR}/vpn.conf`, content: clientConfig(tunnelOf(server), serverIp) },
  ]);
  return {
    serverIp,
    start: [
      `nohup openvpn --config ${VPN_DIR}/vpn.conf >/proc/1/fd/1 2>&1 &`,
      `i=0; until ip -4 -o addr show dev ${TUN} 2>/dev/null | grep -q inet; do i=$((i+1)); [ $i -lt 300 ] || { echo "the tunnel to ${serverName} (${serverIp}) did not come up in 30 s" >&2; exit 1; }; sleep 0.1; done`,
    ],
  };
}

async function configureClient(rt: NodeRuntime, spec: ClientSpec): Promise<void> {
  const lanIp = rt.addressOf(rt.name, spec.lan);
  const wanIp = rt.addressOf(rt.name, spec.wan);
  const client = await prepareVpnClient(rt, spec.server);
  // Traffic from the LAN follows table 100 (everything, or the split routes, into the tunnel); what it
  // does not cover falls through to the main table and leaves directly by the WAN. The tunnel's own
  // packets come from the node itself, so they never enter the tunnel.
  const routes =
    spec.mode === "full"
      ? [`ip route add default dev ${TUN} table ${CLIENT_TABLE}`]
      : [...new Set(spec.routes.flatMap((r) => nodeOrPrefixes(rt, r)))].map((p) => `ip route add ${p} dev ${TUN} table ${CLIENT_TABLE}`);
  await rt.exec([
    "sh",
    "-ec",
    [
      interfaceLookup("LAN_IF", lanIp),
      interfaceLookup("WAN_IF", wanIp),
      nftLoad(vpnRuleset(spec), ["LAN_IF", "WAN_IF"]),
      ...client.start,
      `ip rule add iif "$LAN_IF" lookup ${CLIENT_TABLE} priority 100`,
      ...routes,
    ].join("\n"),
  ]);
}

/**
 * Why a concentrator's tunnel subnet cannot be used: it must route apart from every lab network (a
 * declared subnet, or the pool an undeclared one is allocated from), and lie in usable space.
 */
export function tunnelSubnetProblem(tunnel: Cidr, topology: Pick<ResolvedTopology, "networks">): string | undefined {
  if (tunnel.prefix < 8 || tunnel.prefix > 29)
    return `${formatCidr(tunnel)}: a tunnel subnet is /8 to /29 (OpenVPN's server needs addresses for itself and its clients)`;
  const reserved = reservedSpace(tunnel);
  if (reserved) return reserved;
  for (const net of topology.networks.values()) {
    if (net.subnet && overlaps(net.subnet, tunnel))
      return `${formatCidr(tunnel)} overlaps network ${net.name} (${formatCidr(net.subnet)}); the tunnel needs addresses of its own`;
    if (!net.subnet) {
      const pool = (net.public ? PUBLIC_POOLS : PRIVATE_POOLS).find((p) => overlaps(p, tunnel));
      if (pool)
        return `${formatCidr(tunnel)} overlaps ${formatCidr(pool)}, from which network ${net.name} gets its subnet; the tunnel needs addresses of its own`;
    }
  }
  return undefined;
}

export const vpnGateway = defineKind<VpnGatewaySpec>({
  name: "vpn-gateway",
  impairable: true,
  capturable: true,
  forwards: { tunnel: true },
  summary: "OpenVPN 2.6: a concentrator on the internet side (NATs its clients), or a site gateway that routes its LAN through the tunnel (full or split)",
  spec: VpnGatewaySpec,
  attachments: (spec) =>
    spec.role === "concentrator"
      ? spec.network
        ? [{ network: spec.network, role: "network" }]
        : []
      : [...(spec.lan ? [{ network: spec.lan, role: "lan" }] : []), ...(spec.wan ? [{ network: spec.wan, role: "wan" }] : [])],
  gateway: (spec) => (spec.role === "client" ? spec.gateway : undefined),
  // The concentrator NATs its clients onto its network: that is where the provider sees them come from.
  publicNetwork: (spec) => (spec.role === "concentrator" ? spec.network : spec.wan),
  references: (spec) => [
    ...(spec.gateway ? [{ path: "gateway", node: spec.gateway, kinds: ROUTER_KINDS }] : []),
    ...(spec.server ? [{ path: "server", node: spec.server, kinds: ["vpn-gateway"] }] : []),
  ],
  check(spec, name, topology) {
    const issues: Issue[] = [];
    const at = (field: string): string => `nodes.${name}.${field}`;
    if (spec.role === "concentrator") {
      const tunnel = parseCidr(spec.subnet)!;
      const why = tunnelSubnetProblem(tunnel, topology);
      if (why) issues.push({ path: at("subnet"), message: why });
    } else {
      const server = topology.nodes.get(spec.server);
      if (server && server.kind === "vpn-gateway" && (server.spec as VpnGatewaySpec).role !== "concentrator")
        issues.push({ path: at("server"), message: `"${spec.server}" is a vpn-gateway client; name a concentrator` });
      if (spec.mode === "split" && spec.routes.length === 0)
        issues.push({ path: at("routes"), message: "a split tunnel needs routes: the node names or prefixes that go through it" });
      if (spec.mode === "full" && spec.routes.length > 0)
        issues.push({ path: at("routes"), message: "a full tunnel takes everything; routes are for mode: split" });
      spec.routes.forEach((r, i) => {
        if (!topology.nodes.has(r) && !parseCidr(r.includes("/") ? r : `${r}/32`))
          issues.push({ path: at(`routes[${i}]`), message: `"${r}" is neither a node (${choices([...topology.nodes.keys()])}) nor an IPv4 prefix` });
      });
    }
    return issues;
  },
  plan: (node) => {
    const t = node.spec.role === "concentrator" ? node.spec.natTimeout : undefined;
    const timers: Record<string, string> = t
      ? { "net.netfilter.nf_conntrack_udp_timeout": String(t), "net.netfilter.nf_conntrack_udp_timeout_stream": String(t) }
      : {};
    return { image: "nat-router", capAdd: ["NET_ADMIN", "NET_RAW"], devices: ["/dev/net/tun"], sysctls: { "net.ipv4.ip_forward": "1", ...timers } };
  },
  async configure(rt) {
    const spec = rt.node.spec as VpnGatewaySpec;
    if (spec.role === "concentrator") await configureConcentrator(rt, spec);
    else await configureClient(rt, spec);
  },
});
