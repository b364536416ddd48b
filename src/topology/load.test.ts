import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { TopologyError } from "../common/errors.js";
import { builtinKinds } from "../kinds/builtin.js";
import { PROJECT_ROOT } from "../lab/images.js";
import { loadTopology, parseTopology } from "./load.js";

const kinds = builtinKinds();

test("the baseline topology resolves with addresses in node order", async () => {
  const t = await loadTopology(join(PROJECT_ROOT, "topologies/baseline.yaml"), kinds);
  assert.equal(t.name, "baseline");
  assert.deepEqual([...t.nodes.keys()], ["kamailio", "nat1", "alice", "bob"]);
  assert.deepEqual(
    t.nodes.get("nat1")!.interfaces.map((i) => [i.network, i.role, i.address]),
    [
      ["lan1", "lan", { host: 1 }],
      ["internet", "wan", { host: 2 }],
    ],
  );
  assert.equal(t.nodes.get("alice")!.gateway, "nat1");
  assert.equal(t.networks.get("internet")!.public, true);
});

function problems(yaml: string): string[] {
  try {
    parseTopology(yaml, "t.yaml", kinds);
  } catch (e) {
    assert.ok(e instanceof TopologyError);
    return e.issues.map((i) => `${i.path}: ${i.message}`);
  }
  assert.fail("expected a TopologyError");
}

test("every mistake is reported at once, with its path and the valid choices", () => {
  const p = problems(`
name: t
surprise: 1
networks:
  lan1: { subnet: 10.1.0.0/33 }
  wan: { public: true }
nodes:
  r1: { kind: natt }
  r2: { kind: nat-router, lan: lan9, wan: wan, nat: full-conee }
  ua: { kind: user-agent, network: lan1, gateway: r3, sip: { server: wan }, colour: red }
`);
  const joined = p.join("\n");
  assert.match(joined, /\(top\)|surprise/);
  assert.match(joined, /networks\.lan1\.subnet: "10\.1\.0\.0\/33" is not an IPv4 network/);
  assert.match(joined, /nodes\.r1\.kind: unknown kind "natt"; supported: heuristic, nat-router, sbc, sip-mirror, sip-server, turn-server, user-agent/);
  assert.match(joined, /nodes\.r2\.nat: must be one of: full-cone \| restricted-cone \| port-restricted-cone \| symmetric; got the string "full-conee"/);
  assert.match(joined, /nodes\.ua\.colour: unknown key; valid keys here: network, gateway, sip, /);
  assert.ok(p.length >= 5, joined);
});

test("cross-node references, addresses and subnets are checked", () => {
  const p = problems(`
name: t
networks:
  lan1: { subnet: 10.1.0.0/24 }
  lan2: { subnet: 10.1.0.128/25 }
  wan: { public: true }
nodes:
  srv: { kind: sip-server, network: wan }
  r1: { kind: nat-router, lan: lan1, wan: wan, addresses: { lan1: 10.9.9.9, lan2: 10.1.0.130 } }
  ua: { kind: user-agent, network: lan2, gateway: r1, sip: { server: r1 } }
  ub: { kind: user-agent, network: lan5, sip: { server: nope } }
`).join("\n");
  assert.match(p, /networks\.lan2\.subnet: overlaps networks\.lan1/);
  assert.match(p, /nodes\.r1\.addresses\.lan1: 10\.9\.9\.9 is outside lan1/);
  assert.match(p, /nodes\.r1\.addresses\.lan2: node is not on network "lan2"/);
  assert.match(p, /nodes\.ua\.sip\.server: "r1" is a nat-router; expected sip-server/);
  assert.match(p, /nodes\.ua\.gateway: "r1" shares no network with ua/);
  assert.match(p, /nodes\.ub\.network: unknown network "lan5"; declared: lan1, lan2, wan/);
  assert.match(p, /nodes\.ub\.sip\.server: unknown node "nope"/);
});

test("MTUs: a network's and a link end's, each from 576 to 9000, a link end only on a network the node joins", () => {
  const p = problems(`
name: t
networks:
  lan1: { mtu: 1492 }
  wan: { public: true, mtu: 100000 }
nodes:
  srv: { kind: sip-server, network: wan, linkMtu: { wan: 575 } }
  r1: { kind: nat-router, lan: lan1, wan: wan, linkMtu: { wan: 1492, dmz: 1400 } }
  ua: { kind: user-agent, network: lan1, gateway: r1, sip: { server: srv }, linkMtu: { lan1: "1400; reboot" } }
`).join("\n");
  assert.match(p, /networks\.wan\.mtu: .*9000/);
  assert.match(p, /nodes\.srv\.linkMtu\.wan: .*576/);
  assert.match(p, /nodes\.r1\.linkMtu\.dmz: node is not on network "dmz"; it joins: lan1, wan/);
  assert.match(p, /nodes\.ua\.linkMtu\.lan1: .*number/);
  assert.doesNotMatch(p, /networks\.lan1|nodes\.r1\.linkMtu\.wan/);
});

test("YAML syntax errors and duplicate keys are reported with their line", () => {
  assert.match(problems("name: t\nname: u\nnetworks: {}\nnodes: {}\n").join("\n"), /line 2: YAML/);
});

test("a scenario's overrides make a variant, checked like the file itself", async () => {
  const file = join(PROJECT_ROOT, "topologies/sip-alg.yaml");
  const t = await loadTopology(file, kinds, [
    ["nodes.nat1.alg", "headers-not-sdp"],
    ["nodes.alice.sip.localPort", "5070"],
    ["nodes.dave", "{ kind: user-agent, network: internet, sip: { server: kamailio, transport: wss } }"],
  ]);
  assert.equal((t.nodes.get("nat1")!.spec as { alg: string }).alg, "headers-not-sdp");
  assert.equal((t.nodes.get("alice")!.spec as { sip: { localPort: number } }).sip.localPort, 5070);
  assert.ok(t.nodes.has("dave"));
  const bad = await loadTopology(file, kinds, [["nodes.nat1.alg", "sometimes"]]).catch((e: TopologyError) =>
    e.issues.map((i) => `${i.path}: ${i.message}`).join("\n"),
  );
  assert.match(String(bad), /nodes\.nat1\.alg/);
  assert.match(String(bad), /headers-not-sdp/, "the valid profiles are named");
  await assert.rejects(loadTopology(file, kinds, [["nodes.nobody.alg", "off"]]), /does not have/);
});

test("impairments are checked: the node's own networks, an engine-carrying kind, known match targets, netem's rules", () => {
  const p = problems(`
name: t
impairmentEngine: fastest
networks:
  lan1: {}
  wan: { public: true }
nodes:
  kamailio: { kind: sip-server, network: wan, impair: { wan: { egress: { delay: { ms: 5 } } } } }
  nat1:
    kind: nat-router
    lan: lan1
    wan: wan
    impair:
      lan1: { egress: { loss: { random: 5 } } }
      dmz: { egress: { delay: { ms: 5 } } }
      wan: { both: [{ match: { to: nowhere }, delay: { ms: 5 } }, { reorder: { percent: 5 } }] }
`);
  assert.ok(
    p.some((x) => x.startsWith("impairmentEngine:") && x.includes("auto")),
    p.join("\n"),
  );
  assert.ok(
    p.some((x) => x.startsWith("nodes.kamailio.impair.wan: a sip-server cannot carry impairments") && x.includes("nat-router")),
    p.join("\n"),
  );
  assert.ok(
    p.some((x) => x.startsWith("nodes.nat1.impair.wan.both[1].reorder: reorder needs a delay")),
    p.join("\n"),
  );
  assert.ok(!p.some((x) => x.includes("lan1")), p.join("\n"));
});

test("a match naming an unknown node is reported with the nodes there are", () => {
  const p = problems(`
name: t
networks:
  lan1: {}
  wan: { public: true }
nodes:
  nat1: { kind: nat-router, lan: lan1, wan: wan, impair: { wan: { egress: { match: { to: nowhere }, delay: { ms: 5 } } }, dmz: { ingress: { loss: { random: 1 } } } } }
`);
  assert.deepEqual(p, [
    'nodes.nat1.impair.wan.egress[0].match.to: "nowhere" is neither a node nor an IPv4 prefix; nodes: nat1',
    'nodes.nat1.impair.dmz: node is not on network "dmz"; it joins: lan1, wan',
  ]);
});
