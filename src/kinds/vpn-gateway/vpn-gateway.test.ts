import assert from "node:assert/strict";
import { test } from "node:test";
import { TopologyError } from "../../common/errors.js";
import { parseTopology } from "../../topology/load.js";
import { builtinKinds } from "../builtin.js";
import { vpnRuleset, type VpnGatewaySpec } from "./index.js";
import { clientConfig, concentratorConfig } from "./openvpn-config.js";

test("the concentrator serves its subnet on its own address, without data-channel offload", () => {
  const c = concentratorConfig({ proto: "tcp", mtu: 1400, mssfix: 0 }, "198.51.100.3", "10.8.0.0/24");
  for (const line of ["proto tcp-server", "local 198.51.100.3", "server 10.8.0.0 255.255.255.0", "topology subnet", "tun-mtu 1400", "mssfix 0", "disable-dco", "dh none"]) {
    assert.ok(c.split("\n").includes(line), `missing "${line}" in\n${c}`);
  }
});

test("the client checks the server's name, takes no pushed routes, and follows the tunnel's settings", () => {
  const c = clientConfig({ proto: "udp", mtu: 1500, mssfix: null }, "198.51.100.3");
  for (const line of ["client", "proto udp", "remote 198.51.100.3 1194", "remote-cert-tls server", "verify-x509-name vpn.callpath.test name", "route-nopull", "tun-mtu 1500"]) {
    assert.ok(c.split("\n").includes(line), `missing "${line}"`);
  }
  assert.ok(!c.includes("mssfix"), "mssfix left to OpenVPN's default when not set");
});

const spec = (s: Partial<VpnGatewaySpec>): VpnGatewaySpec => ({ role: "client", proto: "udp", subnet: "10.8.0.0/24", mtu: 1500, mode: "full", routes: [], dropFragments: false, blockFragNeeded: false, ...s });

test("a PMTU black hole silences only the node's own 'fragmentation needed'", () => {
  const r = vpnRuleset(spec({ blockFragNeeded: true }));
  assert.match(r, /hook output priority 0;[^]*icmp type destination-unreachable icmp code frag-needed counter name "cp_frag_needed" drop/);
  assert.doesNotMatch(vpnRuleset(spec({})), /frag-needed/);
});

test("NAT rules: the concentrator masquerades its tunnel subnet, the client its LAN both ways; fragments dropped before reassembly", () => {
  assert.match(vpnRuleset(spec({ role: "concentrator" })), /ip saddr 10\.8\.0\.0\/24 oifname "\$WAN_IF" masquerade/);
  const client = vpnRuleset(spec({ dropFragments: true }));
  assert.match(client, /oifname "tun0" masquerade/);
  assert.match(client, /iifname "\$LAN_IF" oifname "\$WAN_IF" masquerade/);
  assert.match(client, /type filter hook prerouting priority -500;[^]*iifname "\$WAN_IF" ip frag-off & 0x3fff != 0 counter name "cp_fragments" drop/);
  assert.doesNotMatch(client, /chain frag\b/, "'frag' is an nft keyword");
});

function problems(yaml: string): string[] {
  try {
    parseTopology(yaml, "t.yaml", builtinKinds());
  } catch (e) {
    assert.ok(e instanceof TopologyError);
    return e.issues.map((i) => `${i.path}: ${i.message}`);
  }
  return [];
}

test("each role's fields are checked, and a client must name a concentrator", () => {
  const p = problems(`
name: t
networks: { lan1: {}, internet: { public: true } }
nodes:
  vpn: { kind: vpn-gateway, role: concentrator, network: internet, lan: lan1 }
  office: { kind: vpn-gateway, role: client, lan: lan1, wan: internet, server: other, mode: split }
  other: { kind: vpn-gateway, role: client, lan: lan1, wan: internet, server: vpn, routes: [nowhere] }
`);
  assert.deepEqual(p.sort(), [
    'nodes.office.routes: a split tunnel needs routes: the node names or prefixes that go through it',
    'nodes.office.server: "other" is a vpn-gateway client; name a concentrator',
    'nodes.other.routes[0]: "nowhere" is neither a node (vpn, office, other) nor an IPv4 prefix',
    "nodes.vpn.lan: not used by role concentrator",
  ]);
});

test("unsolicited packets to the node are dropped before conntrack keeps them; the concentrator's tunnel port stays open", () => {
  // A confirmed entry for the far end's early RTP would take the reply tuple of the phone's mapping.
  const concentrator = vpnRuleset(spec({ role: "concentrator", proto: "tcp" }));
  assert.match(concentrator, /type filter hook input priority filter;[^]*iifname "\$WAN_IF" tcp dport 1194 accept\n\s+iifname "\$WAN_IF" ct state new drop/);
  assert.match(vpnRuleset(spec({ role: "concentrator" })), /iifname "\$WAN_IF" udp dport 1194 accept/);
  const client = vpnRuleset(spec({}));
  assert.match(client, /type filter hook input priority filter;[^]*iifname "\$WAN_IF" ct state new drop/);
  assert.doesNotMatch(client, /dport 1194/, "the client listens on nothing");
});
