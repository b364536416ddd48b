import { z } from "zod";
import type { Issue } from "../../common/errors.js";
import { parseCidr } from "../../common/ipv4.js";
import { interfaceLookup } from "../../lab/interface-script.js";
import { defineKind, ROUTER_KINDS, type NodeRuntime } from "../kind.js";
import { nodeOrPrefix } from "../node-ref.js";
import { clientConfig, concentratorConfig, TUN, VPN_DIR, VPN_PORT, VPN_SERVER_NAME, type TunnelSettings } from "./openvpn-config.js";

const VpnGatewaySpec = z.strictObject({
  role: z.enum(["concentrator", "client"]).describe("concentrator: the VPN server on the internet side; client: a site gateway routing its LAN into the tunnel"),
  network: z.string().optional().describe("concentrator: the network it serves on"),
  lan: z.string().optional().describe("client: the LAN it routes"),
  wan: z.string().optional().describe("client: its underlay network"),
  gateway: z.string().optional().describe("client: the router its underlay goes through (a home NAT), if any"),
  server: z.string().optional().describe("client: the concentrator it connects to"),
  proto: z.enum(["udp", "tcp"]).default("udp").describe("concentrator: the tunnel's transport (the client follows)"),
  subnet: z.string().default("10.8.0.0/24").describe("concentrator: tunnel addresses"),
  mtu: z.number().int().min(576).max(9000).default(1500).describe("concentrator: tun-mtu of both ends"),
  mssfix: z.number().int().min(0).max(9000).optional().describe("concentrator: OpenVPN mssfix of both ends (0 off; default OpenVPN's 1492 mtu)"),
  natTimeout: z.number().int().min(5).max(86_400).optional().describe("concentrator: lifetime (s) of its UDP NAT mappings for tunnelled traffic"),
  mode: z.enum(["full", "split"]).default("full").describe("client: everything from the LAN through the tunnel, or only `routes`"),
  routes: z.array(z.string()).default([]).describe("client, split tunnel: node names or prefixes sent through the tunnel; the rest goes direct"),
  dropFragments: z.boolean().default(false).describe("drop IP fragments arriving on its underlay, as a path that drops fragments does"),
  blockFragNeeded: z.boolean().default(false).describe("never send ICMP 'fragmentation needed': a packet too big for the tunnel vanishes without a word (a PMTU black hole)"),
});
export type VpnGatewaySpec = z.infer<typeof VpnGatewaySpec>;

const CLIENT_TABLE = 100;

function tunnelOf(server: VpnGatewaySpec): TunnelSettings {
  return { proto: server.proto, mtu: server.mtu, mssfix: server.mssfix ?? null };
}

/** nft rules this node adds beside OpenVPN: NAT for the tunnel, the fragment-dropping path, the PMTU black hole. */
export function vpnRuleset(spec: VpnGatewaySpec): string {
  const nat =
    spec.role === "concentrator"
      ? [`    ip saddr ${spec.subnet} oifname "$WAN_IF" masquerade`]
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
          '  counter cp_fragments { }',
        ]
      : []),
    "}",
  ].join("\n");
}

async function configureConcentrator(rt: NodeRuntime, spec: VpnGatewaySpec): Promise<void> {
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
    [
      interfaceLookup("WAN_IF", ip),
      "nft -f - <<CALLPATH_NFT",
      vpnRuleset(spec),
      "CALLPATH_NFT",
      `nohup openvpn --config ${VPN_DIR}/vpn.conf >/proc/1/fd/1 2>&1 &`,
    ].join("\n"),
  ]);
}

/**
 * Writes an OpenVPN client's files (certificate from the lab CA, config following its concentrator's
 * tunnel settings) and returns the shell lines that start it and wait for tun0. Used by a site gateway
 * and by a user agent with its own VPN client.
 */
export async function prepareVpnClient(rt: NodeRuntime, serverName: string): Promise<{ serverIp: string; start: string[] }> {
  const server = rt.topology.nodes.get(serverName)!.spec as VpnGatewaySpec;
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

async function configureClient(rt: NodeRuntime, spec: VpnGatewaySpec): Promise<void> {
  const lanIp = rt.addressOf(rt.name, spec.lan);
  const wanIp = rt.addressOf(rt.name, spec.wan);
  const client = await prepareVpnClient(rt, spec.server!);
  // Traffic from the LAN follows table 100 (everything, or the split routes, into the tunnel); what it
  // does not cover falls through to the main table and leaves directly by the WAN. The tunnel's own
  // packets come from the node itself, so they never enter the tunnel.
  const routes = spec.mode === "full" ? [`ip route add default dev ${TUN} table ${CLIENT_TABLE}`] : spec.routes.map((r) => `ip route add ${nodeOrPrefix(rt, r)} dev ${TUN} table ${CLIENT_TABLE}`);
  await rt.exec([
    "sh",
    "-ec",
    [
      interfaceLookup("LAN_IF", lanIp),
      interfaceLookup("WAN_IF", wanIp),
      "nft -f - <<CALLPATH_NFT",
      vpnRuleset(spec),
      "CALLPATH_NFT",
      ...client.start,
      `ip rule add iif "$LAN_IF" lookup ${CLIENT_TABLE} priority 100`,
      ...routes,
    ].join("\n"),
  ]);
}

export const vpnGateway = defineKind<VpnGatewaySpec>({
  name: "vpn-gateway",
  impairable: true,
  summary: "OpenVPN 2.6: a concentrator on the internet side (NATs its clients), or a site gateway that routes its LAN through the tunnel (full or split)",
  spec: VpnGatewaySpec,
  attachments: (spec) =>
    spec.role === "concentrator"
      ? spec.network
        ? [{ network: spec.network, role: "network" }]
        : []
      : [...(spec.lan ? [{ network: spec.lan, role: "lan" }] : []), ...(spec.wan ? [{ network: spec.wan, role: "wan" }] : [])],
  gateway: (spec) => (spec.role === "client" ? spec.gateway : undefined),
  references: (spec) => [
    ...(spec.gateway ? [{ path: "gateway", node: spec.gateway, kinds: ROUTER_KINDS }] : []),
    ...(spec.server ? [{ path: "server", node: spec.server, kinds: ["vpn-gateway"] }] : []),
  ],
  check(spec, name, topology) {
    const issues: Issue[] = [];
    const at = (field: string): string => `nodes.${name}.${field}`;
    const need = (fields: Array<keyof VpnGatewaySpec>, role: string): void => {
      for (const f of fields) if (spec[f] === undefined) issues.push({ path: at(f), message: `required for role ${role}` });
    };
    const forbid = (fields: Array<keyof VpnGatewaySpec>, role: string): void => {
      for (const f of fields) if (spec[f] !== undefined) issues.push({ path: at(f), message: `not used by role ${role}` });
    };
    if (spec.role === "concentrator") {
      need(["network"], "concentrator");
      forbid(["lan", "wan", "gateway", "server"], "concentrator");
      if (!parseCidr(spec.subnet)) issues.push({ path: at("subnet"), message: `"${spec.subnet}" is not an IPv4 network like 10.8.0.0/24` });
    } else {
      need(["lan", "wan", "server"], "client");
      forbid(["network", "natTimeout", "mssfix"], "client");
      const server = spec.server ? topology.nodes.get(spec.server) : undefined;
      if (server && (server.spec as VpnGatewaySpec).role !== "concentrator") issues.push({ path: at("server"), message: `"${spec.server}" is a vpn-gateway client; name a concentrator` });
      if (spec.mode === "split" && spec.routes.length === 0) issues.push({ path: at("routes"), message: "a split tunnel needs routes: the node names or prefixes that go through it" });
      spec.routes.forEach((r, i) => {
        if (!topology.nodes.has(r) && !parseCidr(r)) issues.push({ path: at(`routes[${i}]`), message: `"${r}" is neither a node (${[...topology.nodes.keys()].join(", ")}) nor an IPv4 prefix` });
      });
    }
    return issues;
  },
  plan: (node) => {
    const t = node.spec.natTimeout;
    const timers: Record<string, string> = t ? { "net.netfilter.nf_conntrack_udp_timeout": String(t), "net.netfilter.nf_conntrack_udp_timeout_stream": String(t) } : {};
    return { image: "nat-router", capAdd: ["NET_ADMIN", "NET_RAW"], devices: ["/dev/net/tun"], sysctls: { "net.ipv4.ip_forward": "1", ...timers } };
  },
  async configure(rt) {
    const spec = rt.node.spec as VpnGatewaySpec;
    if (spec.role === "concentrator") await configureConcentrator(rt, spec);
    else await configureClient(rt, spec);
  },
});
