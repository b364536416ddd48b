import assert from "node:assert/strict";
import { test } from "node:test";
import { TopologyError } from "../../common/errors.js";
import { parseTopology } from "../../topology/load.js";
import { builtinKinds } from "../builtin.js";
import { vpnRuleset, type VpnGatewaySpec } from "./index.js";
import { clientConfig, concentratorConfig } from "./openvpn-config.js";

test("the concentrator serves its subnet on its own address, without data-channel offload", () => {
  const c = concentratorConfig({ proto: "tcp", mtu: 1400, mssfix: 0 }, "198.51.100.3", "10.8.0.0/24");
  for (const line of [
    "proto tcp-server",
    "local 198.51.100.3",
    "server 10.8.0.0 255.255.255.0",
    "topology subnet",
    "tun-mtu 1400",
    "mssfix 0",
    "disable-dco",
    "dh none",
  ]) {
    assert.ok(c.split("\n").includes(line), `missing "${line}" in\n${c}`);
  }
});

test("the client checks the server's name, takes no pushed routes, and follows the tunnel's settings", () => {
  const c = clientConfig({ proto: "udp", mtu: 1500, mssfix: null }, "198.51.100.3");
  for (const line of [
    "client",
    "proto udp",
    "remote 198.51.100.3 1194",
    "remote-cert-tls server",
    "verify-x509-name vpn.callpath.test name",
    "route-nopull",
    "tun-mtu 1500",
  ]) {
    assert.ok(c.split("\n").includes(line), `missing "${line}"`);
  }
  assert.ok(!c.includes("mssfix"), "mssfix left to OpenVPN's default when not set");
});

const spec = (s: Partial<VpnGatewaySpec>): VpnGatewaySpec =>
  s.role === "concentrator"
    ? { role: "concentrator", network: "internet", proto: "udp", subnet: "10.8.0.0/24", mtu: 1500, dropFragments: false, blockFragNeeded: false, ...s }
    : ({
        role: "client",
        lan: "lan1",
        wan: "internet",
        server: "vpn",
        mode: "full",
        routes: [],
        dropFragments: false,
        blockFragNeeded: false,
        ...s,
      } as VpnGatewaySpec);

test("a PMTU black hole silences only the node's own 'fragmentation needed'", () => {
  const r = vpnRuleset(spec({ blockFragNeeded: true }));
  assert.match(r, /hook output priority 0;[\s\S]*icmp type destination-unreachable icmp code frag-needed counter name "cp_frag_needed" drop/);
  assert.doesNotMatch(vpnRuleset(spec({})), /frag-needed/);
});

test("NAT rules: the concentrator masquerades its tunnel subnet, the client its LAN both ways; fragments dropped before reassembly", () => {
  assert.match(vpnRuleset(spec({ role: "concentrator" })), /ip saddr 10\.8\.0\.0\/24 oifname "\$WAN_IF" masquerade/);
  const client = vpnRuleset(spec({ dropFragments: true }));
  assert.match(client, /oifname "tun0" masquerade/);
  assert.match(client, /iifname "\$LAN_IF" oifname "\$WAN_IF" masquerade/);
  assert.match(client, /type filter hook prerouting priority -500;[\s\S]*iifname "\$WAN_IF" ip frag-off & 0x3fff != 0 counter name "cp_fragments" drop/);
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
  other: { kind: vpn-gateway, role: client, lan: lan1, wan: internet, server: vpn, mode: split, routes: [nowhere] }
`);
  assert.deepEqual(p.sort(), [
    "nodes.office.routes: a split tunnel needs routes: the node names or prefixes that go through it",
    'nodes.office.server: "other" is a vpn-gateway client; name a concentrator',
    'nodes.other.routes[0]: "nowhere" is neither a node (office, other) nor an IPv4 prefix',
    "nodes.vpn.lan: not used by role concentrator: a concentrator serves on `network`; lan, wan, gateway, server, mode and routes are a client's",
  ]);
});

const head = `name: t
networks: { lan1: { subnet: 10.20.0.0/24 }, lan2: {}, internet: { public: true } }
nodes:
`;

test("a client's mtu and proto are rejected with the reason: it follows its concentrator", () => {
  const p = problems(`${head}  vpn: { kind: vpn-gateway, role: concentrator, network: internet }
  office: { kind: vpn-gateway, role: client, lan: lan1, wan: internet, server: vpn, mtu: 1400, proto: tcp, subnet: 10.9.0.0/24 }
`);
  assert.ok(p.includes("nodes.office.mtu: set mtu/proto on the concentrator; clients follow it"), p.join("\n"));
  assert.ok(p.includes("nodes.office.proto: set mtu/proto on the concentrator; clients follow it"), p.join("\n"));
  assert.ok(
    p.some((x) => x.startsWith("nodes.office.subnet: not used by role client")),
    p.join("\n"),
  );
  assert.deepEqual(problems(`${head}  v: { kind: vpn-gateway }\n`), ["nodes.v.role: required; one of: concentrator | client"]);
});

test("a tunnel subnet must keep clear of every lab network, their pools and unusable space", () => {
  const tunnel = (subnet: string): string[] => problems(`${head}  vpn: { kind: vpn-gateway, role: concentrator, network: internet, subnet: "${subnet}" }\n`);
  assert.match(tunnel("10.20.0.0/24").join("\n"), /nodes\.vpn\.subnet: 10\.20\.0\.0\/24 overlaps network lan1 \(10\.20\.0\.0\/24\)/);
  assert.match(tunnel("10.0.0.0/8").join("\n"), /overlaps network lan1/);
  assert.match(tunnel("10.123.4.0/24").join("\n"), /overlaps 10\.123\.0\.0\/16, from which network lan2 gets its subnet/);
  assert.match(tunnel("0.0.0.0/0").join("\n"), /a tunnel subnet is \/8 to \/29/);
  assert.match(tunnel("127.0.0.0/24").join("\n"), /loopback/);
  assert.match(tunnel("10.8.0.1/24").join("\n"), /nodes\.vpn\.subnet: an IPv4 network in CIDR form/);
  assert.deepEqual(tunnel("10.8.0.0/24"), []);
});

test("the concentrator's ruleset is printed from the parsed subnet", () => {
  assert.match(vpnRuleset(spec({ role: "concentrator", subnet: "10.9.0.0/24" })), /ip saddr 10\.9\.0\.0\/24 oifname/);
});

test("unsolicited packets to the node are dropped before conntrack keeps them; the concentrator's tunnel port stays open", () => {
  // A confirmed entry for the far end's early RTP would take the reply tuple of the phone's mapping.
  const concentrator = vpnRuleset(spec({ role: "concentrator", proto: "tcp" }));
  assert.match(concentrator, /type filter hook input priority filter;[\s\S]*iifname "\$WAN_IF" tcp dport 1194 accept\n\s+iifname "\$WAN_IF" ct state new drop/);
  assert.match(vpnRuleset(spec({ role: "concentrator" })), /iifname "\$WAN_IF" udp dport 1194 accept/);
  const client = vpnRuleset(spec({}));
  assert.match(client, /type filter hook input priority filter;[\s\S]*iifname "\$WAN_IF" ct state new drop/);
  assert.doesNotMatch(client, /dport 1194/, "the client listens on nothing");
});
