import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { z } from "zod";
import { TopologyError } from "../common/errors.js";
import { builtinKinds } from "../kinds/builtin.js";
import { defineKind } from "../kinds/kind.js";
import { secondaryAddresses } from "../lab/lab.js";
import { PROJECT_ROOT } from "../lab/images.js";
import { loadTopology, parseTopology } from "./load.js";

// A kind may ask for a second address on a network it joins (the TURN server's RFC 5780 address); no other may join one twice.

test("an rfc5780 TURN server takes a second host on its network, after its first, and nobody else takes it", async () => {
  const t = await loadTopology(join(PROJECT_ROOT, "topologies/diagnose-home.yaml"), builtinKinds());
  const turn = t.nodes.get("turn")!;
  assert.deepEqual(
    turn.interfaces.map((i) => [i.network, i.role]),
    [
      ["internet", "default"],
      ["internet", "alternate"],
    ],
  );
  const hosts = [...t.nodes.values()].flatMap((n) => n.interfaces.filter((i) => i.network === "internet").map((i) => (i.address as { host: number }).host));
  assert.equal(new Set(hosts).size, hosts.length, `internet hosts collide: ${hosts.join(", ")}`);
});

test("without rfc5780 the TURN server has one address", async () => {
  const t = await loadTopology(join(PROJECT_ROOT, "topologies/diagnose-home.yaml"), builtinKinds(), [["nodes.turn.rfc5780", "false"]]);
  assert.equal(t.nodes.get("turn")!.interfaces.length, 1);
});

const twice = (secondary: boolean) =>
  defineKind<{ network: string }>({
    name: "twice",
    summary: "joins its network twice",
    spec: z.strictObject({ network: z.string() }),
    attachments: (spec) => [
      { network: spec.network, role: "default" },
      { network: spec.network, role: "again", ...(secondary ? { secondary: true } : {}) },
    ],
    plan: () => ({ image: "base" }),
  });

function problems(kinds: ReturnType<typeof builtinKinds>): string[] {
  try {
    parseTopology("name: t\nnetworks:\n  wan: { public: true }\nnodes:\n  x: { kind: twice, network: wan }\n", "t.yaml", kinds);
    return [];
  } catch (e) {
    assert.ok(e instanceof TopologyError);
    return e.issues.map((i) => `${i.path}: ${i.message}`);
  }
}

test("a kind that does not ask for a second address may not join a network twice", () => {
  assert.match(problems(builtinKinds().register(twice(false))).join("\n"), /nodes\.x: joins network "wan" twice/);
  assert.deepEqual(problems(builtinKinds().register(twice(true))), []);
});

test("the lab adds further addresses on the interface of the primary one, with the network's prefix", () => {
  const node = {
    name: "turn",
    interfaces: [
      { network: "internet", role: "default", address: { host: 3 } },
      { network: "internet", role: "alternate", address: { host: 8 } },
    ],
  };
  const lines = secondaryAddresses(node, new Map([["internet", { subnet: { network: 0, prefix: 27 } }]]), () => ["198.51.100.3", "198.51.100.8"]);
  assert.match(lines[0]!, /ip -o -4 addr show to 198\.51\.100\.3\/32/);
  assert.equal(lines[1], 'ip -4 addr add 198.51.100.8/27 dev "$IF"');
  assert.deepEqual(
    secondaryAddresses({ name: "a", interfaces: [node.interfaces[0]!] }, new Map([["internet", { subnet: { network: 0, prefix: 27 } }]]), () => [
      "198.51.100.3",
    ]),
    [],
  );
});
