import assert from "node:assert/strict";
import { test } from "node:test";
import { builtinKinds } from "../kinds/builtin.js";
import { loadTopology } from "../topology/load.js";
import { columnOrder, orderInterfaces } from "./columns.js";

const topology = (name: string, overrides: Array<readonly [string, string]> = []) =>
  loadTopology(new URL(`../../topologies/${name}.yaml`, import.meta.url).pathname, builtinKinds(), overrides);

test("hosts behind routers come first, then routers inside out, then the outside in declaration order", async () => {
  const t = await topology("sip-alg");
  assert.deepEqual(columnOrder(t, new Set(["nat1"])), ["alice", "nat1", "kamailio", "mirror", "bob"]);
  const nested = await topology("sip-alg", [
    ["nodes.nat2", "{ kind: nat-router, lan: lan2, wan: lan1, gateway: nat1 }"],
    ["networks.lan2", "{}"],
    ["nodes.alice.network", "lan2"],
    ["nodes.alice.gateway", "nat2"],
  ]);
  assert.deepEqual(columnOrder(nested, new Set(["nat1", "nat2"])).slice(0, 3), ["alice", "nat2", "nat1"]);
});

test("a router's interfaces keep its LAN before its WAN", async () => {
  const t = await topology("baseline");
  const got = orderInterfaces(
    [
      { node: "nat1", network: "internet" },
      { node: "bob", network: "internet" },
      { node: "nat1", network: "lan1" },
      { node: "alice", network: "lan1" },
    ],
    t,
    new Set(["nat1"]),
  );
  assert.deepEqual(
    got.map((i) => `${i.node}:${i.network}`),
    ["alice:lan1", "nat1:lan1", "nat1:internet", "bob:internet"],
  );
});
