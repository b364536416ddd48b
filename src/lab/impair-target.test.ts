import assert from "node:assert/strict";
import { test } from "node:test";
import { builtinKinds } from "../kinds/builtin.js";
import type { NodeRuntime } from "../kinds/kind.js";
import { parseTopology } from "../topology/load.js";
import { checkImpairment, type ImpairableNode } from "./impair-target.js";

const kinds = builtinKinds();
const topo = parseTopology(
  `name: t
networks: { lan1: {}, internet: { public: true } }
nodes:
  kamailio: { kind: sip-server, network: internet }
  nat1: { kind: nat-router, lan: lan1, wan: internet }
  alice: { kind: user-agent, network: lan1, gateway: nat1, sip: { server: kamailio } }
`,
  "t.yaml",
  kinds,
);
const nodes = new Map<string, ImpairableNode>(
  [...topo.nodes.values()].map((n) => [n.name, { kind: n.kind, runtime: { name: n.name, node: n } as unknown as NodeRuntime }]),
);
const check = (node: string, network: string, rules: unknown[]) => checkImpairment("t", nodes, kinds, node, network, rules);

test("rules are validated as the topology's impair: takes them, defaults filled in", () => {
  const r = check("nat1", "internet", [{ delay: { ms: 40, jitter: 10 } }, { loss: { random: 1 }, match: { protocol: "udp", port: "10000-20000" } }]);
  assert.equal(r.runtime.name, "nat1");
  assert.deepEqual(r.rules[0]?.delay, { ms: 40, jitter: 10, correlation: 0, distribution: "uniform", reorder: true });
  assert.deepEqual(r.rules[1]?.match?.port, { lo: 10000, hi: 20000 });
});

test("every refusal names the valid choices", () => {
  assert.throws(() => check("nat2", "internet", []), /no node "nat2" in topology "t"; nodes: kamailio, nat1, alice/);
  assert.throws(() => check("kamailio", "internet", []), /"kamailio" is a sip-server, which cannot carry impairments; nodes that can: nat1, alice/);
  assert.throws(() => check("alice", "internet", []), /"alice" is not on network "internet"; it joins: lan1/);
  assert.throws(() => check("nat1", "internet", [{ delay: { ms: 5 } }, { los: 1 }]), /impairment on nat1 internet: \[1\]\.los: /);
});
