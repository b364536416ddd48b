import assert from "node:assert/strict";
import { test } from "node:test";
import { TopologyError } from "../common/errors.js";
import { parseCidr } from "../common/ipv4.js";
import { builtinKinds } from "../kinds/builtin.js";
import { parseTopology, type TopologyOptions } from "./load.js";

// One test per class of bad input the fuzz run found (issue 12): each must be a TopologyError naming its path.

const kinds = builtinKinds();

function problems(yaml: string, options: TopologyOptions = {}): string[] {
  try {
    parseTopology(yaml, "t.yaml", kinds, [], options);
  } catch (e) {
    if (!(e instanceof TopologyError)) throw e;
    return e.issues.map((i) => `${i.path || "(top)"}: ${i.message}`);
  }
  return [];
}

const base = (nodes: string, networks = "lan1: {}\n  internet: { public: true }"): string => `name: t
networks:
  ${networks}
nodes:
  kamailio: { kind: sip-server, network: internet }
${nodes}`;

test("names from Object.prototype are names like any other; __proto__ is refused, never dropped", () => {
  assert.deepEqual(
    problems(
      base(
        "  constructor: { kind: nat-router, lan: lan1, wan: internet, addresses: {} }\n  hasown: { kind: user-agent, network: lan1, gateway: constructor, sip: { server: kamailio } }\n",
      ),
    ),
    [],
  );
  const p = problems(
    base(
      "  toString: { kind: sip-server, network: valueOf }\n  nat1: { kind: nat-router, lan: lan1, wan: internet, impair: { __proto__: { egress: { delay: { ms: 5 } } } } }\n",
    ),
  );
  assert.ok(
    p.some((x) => x.startsWith('nodes.toString: invalid node name "toString"')),
    p.join("\n"),
  );
  assert.ok(
    p.some((x) => x.startsWith('nodes.toString.network: unknown network "valueOf"')),
    p.join("\n"),
  );
  assert.ok(
    p.some((x) => x.startsWith('nodes.nat1.impair.__proto__: "__proto__" is not a valid name')),
    p.join("\n"),
  );
  assert.ok(problems("name: t\nnetworks: { __proto__: {} }\nnodes: {}\n").some((x) => x.startsWith("networks.__proto__:")));
});

test("alias bombs, unknown tags, collection keys and deep nesting are errors, not crashes", () => {
  const bomb = ["name: t", 'a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (const [i, c] of ["b", "c", "d", "e", "f", "g", "h", "i"].entries())
    bomb.push(
      `${c}: &${c} [${Array(9)
        .fill(`*${String.fromCharCode(97 + i)}`)
        .join(",")}]`,
    );
  assert.match(problems(bomb.join("\n")).join("\n"), /alias expansions/);
  assert.match(problems("name: t\nnetworks: {}\nnodes: { a: { kind: !foo sip-server } }").join("\n"), /^line 3: YAML: Unresolved tag: !foo/);
  assert.match(problems("name: t\n? [a, b]\n: 1\n").join("\n"), /a key must be a plain name/);
  assert.match(problems(`name: t\nnetworks: {}\nnodes: ${"[".repeat(50)}${"]".repeat(50)}\n`).join("\n"), /nested more than 32 levels/);
  assert.match(problems(`name: t\nx: ${"[".repeat(20000)}${"]".repeat(20000)}\n`).join("\n"), /YAML/);
});

test("an empty file, a list and a missing field read as such", () => {
  assert.deepEqual(problems(""), ["(top): the file is empty; a topology needs name, networks and nodes"]);
  assert.deepEqual(problems("# nothing\n"), ["(top): the file is empty; a topology needs name, networks and nodes"]);
  assert.match(problems("- a\n").join(), /this file holds a list/);
  const p = problems("name: t\nnetworks: {}\n");
  assert.ok(p.includes("nodes: required"), p.join("\n"));
});

test("sizes are bounded: nodes, networks, strings, and the number of issues reported", () => {
  const many = Array.from({ length: 300 }, (_, i) => `  n${i}: { kind: sip-server, network: nowhere }`).join("\n");
  assert.deepEqual(problems(`name: t\nnetworks: {}\nnodes:\n${many}\n`), ["nodes: 300 nodes; a topology may have at most 256"]);
  const bad = Array.from({ length: 200 }, (_, i) => `  n${i}: { kind: sip-server, network: nowhere }`).join("\n");
  const p = problems(`name: t\nnetworks: { lan1: {} }\nnodes:\n${bad}\n`);
  assert.equal(p.length, 101);
  assert.equal(p[100], "(top): and 100 more problems");
  assert.match(
    problems(base(`  a: { kind: user-agent, network: internet, sip: { server: kamailio }, description: x }\n`)).join(),
    /nodes\.a\.description: unknown key/,
  );
  assert.match(
    problems(`name: t\ndescription: ${"d".repeat(5000)}\nnetworks: {}\nnodes: {}\n`).join(),
    /description: too long \(5000 characters\); at most 1000/,
  );
});

test("control characters are escaped and long echoed values cut short", () => {
  const p = problems(base(`  nat1: { kind: nat-router, lan: lan1, wan: internet, nat: "full\\u001b[31m\\ncone${"x".repeat(200)}" }\n`));
  const line = p.find((x) => x.startsWith("nodes.nat1.nat:"))!;
  assert.ok(line, p.join("\n"));
  assert.ok(!/[\u0000-\u001f]/.test(line), line);
  assert.match(line, /\\u001b\[31m\\ncone/);
  assert.match(line, /…"/);
  assert.ok(line.length < 300, line);
});

test("gateway chains that loop, and gateways met on their WAN, are rejected", () => {
  const p = problems(
    base(
      [
        "  self: { kind: nat-router, lan: lan1, wan: internet, gateway: self }",
        "  a: { kind: nat-router, lan: lan2, wan: lan1, gateway: b }",
        "  b: { kind: nat-router, lan: lan1, wan: lan2, gateway: a }",
        "  wanside: { kind: user-agent, network: internet, gateway: self, sip: { server: kamailio } }",
        "",
      ].join("\n"),
      "lan1: {}\n  lan2: {}\n  internet: { public: true }",
    ),
  );
  assert.ok(p.includes("nodes.self.gateway: self names itself as its gateway"), p.join("\n"));
  assert.ok(p.includes("nodes.a.gateway: the gateway chain loops: a → b → a"), p.join("\n"));
  assert.ok(p.includes("nodes.b.gateway: the gateway chain loops: b → a → b"), p.join("\n"));
  assert.ok(
    p.some((x) => x.startsWith('nodes.wanside.gateway: "self" routes for its LAN (lan1); wanside meets it on its WAN (internet)')),
    p.join("\n"),
  );
});

test("unusable subnets and reserved fixed addresses are named", () => {
  const subnet = (s: string): string => problems(`name: t\nnetworks: { x: { subnet: "${s}" } }\nnodes: {}\n`).join("\n");
  assert.match(subnet("127.0.0.0/24"), /networks\.x\.subnet: 127\.0\.0\.0\/24 lies in loopback/);
  assert.match(subnet("224.1.0.0/24"), /multicast/);
  assert.match(subnet("240.0.0.0/24"), /class E/);
  assert.match(subnet("0.0.0.0/8"), /this network/);
  assert.match(subnet("169.254.1.0/24"), /link-local/);
  assert.match(subnet("0.0.0.0/0"), /larger than a \/8/);
  const fixed = (ip: string): string =>
    problems(`name: t\nnetworks: { x: { subnet: 10.1.0.0/24 } }\nnodes: { s: { kind: sip-server, network: x, addresses: { x: ${ip} } } }\n`).join("\n");
  assert.match(fixed("10.1.0.0"), /is the network address/);
  assert.match(fixed("10.1.0.255"), /is the broadcast address/);
  assert.match(fixed("10.1.0.254"), /bridge gateway/);
  assert.match(fixed("10.1.0.256"), /nodes\.s\.addresses\.x: an IPv4 address/);
});

test("a declared subnet that collides with a host route is named with the route", () => {
  const occupied = [{ cidr: parseCidr("192.0.2.0/24")!, by: 'host route "192.0.2.0/24 dev eth0"' }];
  const p = problems("name: t\nnetworks: { x: { subnet: 192.0.2.0/25 } }\nnodes: {}\n", { occupied });
  assert.deepEqual(p, [
    'networks.x.subnet: network "x": subnet 192.0.2.0/25 collides with host route "192.0.2.0/24 dev eth0"; choose another subnet or omit it to allocate one',
  ]);
});

test("impairment values are bounded to what tc takes", () => {
  const imp = (rule: string): string =>
    problems(base(`  nat1: { kind: nat-router, lan: lan1, wan: internet, impair: { internet: { egress: ${rule} } } }\n`)).join("\n");
  assert.match(imp("{ rate: { kbit: 1e300 } }"), /rate\.kbit: .*at most 100000000/);
  assert.match(imp("{ rate: { kbit: 1000, limit: 9007199254740992 } }"), /rate\.limit: .*at most 4294967295/);
  assert.match(imp("{ delay: { ms: 5 }, reorder: { percent: 5, gap: 1.5 } }"), /reorder\.gap: expected an integer/);
  assert.match(imp("{ delay: { ms: .nan } }"), /delay\.ms: expected a number; got NaN/);
  assert.match(imp("{ delay: { ms: .inf } }"), /delay\.ms: expected a number; got Infinity/);
  assert.match(imp("{ loss: { random: 101 } }"), /at most 100/);
  assert.match(imp("{ delay: { ms: 5, correlation: 10 } }"), /set jitter too/);
  assert.match(imp(`[${Array(16).fill("{ loss: { random: 1 } }").join(", ")}]`), /too many entries \(16\); at most 15/);
  assert.match(imp('{ match: { to: "$(reboot)" }, delay: { ms: 5 } }'), /match\.to: a node name or an IPv4 prefix/);
});

test("injection strings never validate where a shape is expected", () => {
  for (const evil of ['"; touch /tmp/x #"', '"$(touch /tmp/x)"', '"`id`"', '"10.0.0.0/8; reboot"']) {
    const p = problems(
      base(
        [
          `  nat1: { kind: nat-router, lan: lan1, wan: internet, firewall: { udp: block, allow: [${evil}] } }`,
          `  vpn: { kind: vpn-gateway, role: concentrator, network: internet, subnet: ${evil} }`,
          `  office: { kind: vpn-gateway, role: client, lan: lan1, wan: internet, server: vpn, mode: split, routes: [${evil}] }`,
          `  alice: { kind: user-agent, network: lan1, gateway: nat1, sip: { server: kamailio }, vpn: { server: vpn, mode: split, routes: [${evil}] } }`,
          "",
        ].join("\n"),
      ),
    ).join("\n");
    for (const path of ["nodes.nat1.firewall.allow[0]", "nodes.vpn.subnet", "nodes.office.routes[0]", "nodes.alice.vpn.routes[0]"])
      assert.ok(p.includes(`${path}: `), `${evil} at ${path}:\n${p}`);
  }
});

test("duplicate helper ports are rejected before nft sees them", () => {
  assert.match(
    problems(base("  nat1: { kind: nat-router, lan: lan1, wan: internet, alg: { netfilter: { ports: [5060, 5060] } } }\n")).join(),
    /alg\.netfilter\.ports: each port once/,
  );
});

test("fields that would do nothing are refused: a TURN/TLS port without tls, in-order delay without jitter", () => {
  const p = problems(
    base(
      "  turn: { kind: turn-server, network: internet }\n  alice: { kind: user-agent, network: internet, sip: { server: kamailio, transport: wss }, ice: { server: turn, turn: [udp], tlsPort: 5349 } }\n  nat1: { kind: nat-router, lan: lan1, wan: internet, impair: { internet: { egress: { delay: { ms: 20, reorder: false } } } } }\n",
    ),
  );
  assert.ok(
    p.some((x) => x.startsWith("nodes.alice.ice.tlsPort: the TURN-over-TLS port does nothing without tls")),
    p.join("\n"),
  );
  assert.ok(
    p.some((x) => /nodes\.nat1\.impair\.internet\.egress.*reorder: .*set jitter too/.test(x)),
    p.join("\n"),
  );
  assert.deepEqual(
    problems(
      base(
        "  turn: { kind: turn-server, network: internet }\n  alice: { kind: user-agent, network: internet, sip: { server: kamailio, transport: wss }, ice: { server: turn, turn: [tls], tlsPort: 5349 } }\n",
      ),
    ),
    [],
  );
});

test("many bad keys stay linear: 60,000 duplicate keys under the size limit are reported quickly, bounded", () => {
  const text = `name: t\nnetworks:\n${"  lan: {}\n".repeat(60_000)}nodes: {}\n`;
  assert.ok(text.length < 1024 * 1024);
  const started = performance.now();
  const p = problems(text);
  const ms = performance.now() - started;
  // A hang guard, not a benchmark: the quadratic version took 84 s here, the linear one 1–5 s depending on
  // what else the 2 cores are doing; the bound sits between with room for a loaded machine.
  assert.ok(ms < 20_000, `took ${Math.round(ms)} ms`);
  assert.ok(p.length <= 101 && p.length > 50, String(p.length));
  assert.match(p[0]!, /^line 4: YAML: the key "lan" appears twice/);
});
