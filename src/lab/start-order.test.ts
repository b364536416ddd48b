import assert from "node:assert/strict";
import { test } from "node:test";
import { builtinKinds } from "../kinds/builtin.js";
import { parseTopology } from "../topology/load.js";
import { settleAll, startWaves } from "./start-order.js";
import { LabError } from "../common/errors.js";

const kinds = builtinKinds();

test("start waves follow references: servers and routers before the agents that use them", () => {
  const topo = parseTopology(
    `name: t
networks: { lan1: {}, lan2: {}, internet: { public: true } }
nodes:
  alice: { kind: user-agent, network: lan1, gateway: office, sip: { server: kamailio, transport: wss }, ice: { server: turn } }
  office: { kind: vpn-gateway, role: client, lan: lan1, wan: lan2, gateway: nat1, server: vpn }
  nat1: { kind: nat-router, lan: lan2, wan: internet }
  vpn: { kind: vpn-gateway, role: concentrator, network: internet }
  kamailio: { kind: sip-server, network: internet }
  turn: { kind: turn-server, network: internet }
`,
    "t.yaml",
    kinds,
  );
  const waves = startWaves(topo, kinds);
  const wave = (n: string): number => waves.findIndex((w) => w.includes(n));
  assert.deepEqual(waves[0]!.sort(), ["kamailio", "nat1", "turn", "vpn"]);
  assert.equal(wave("office"), 1);
  assert.equal(wave("alice"), 2);
});

test("settleAll waits for every promise before it throws", async () => {
  let lateDone = false;
  const late = new Promise<void>((r) => setTimeout(() => ((lateDone = true), r()), 50));
  await assert.rejects(settleAll([Promise.reject(new LabError("first")), late]), /first/);
  assert.equal(lateDone, true);
  await assert.rejects(
    settleAll([Promise.reject(new Error("a")), Promise.reject(new Error("b"))]),
    (e: unknown) => e instanceof AggregateError && e.errors.length === 2,
  );
  await settleAll([Promise.resolve(1)]);
});

test("a node that fails is reported once, not once more for every node waiting on it", async () => {
  const failed = Promise.reject(new LabError("kamailio: did not answer"));
  const dependent = failed.catch(() => {
    throw new LabError("alice: not started, another node failed");
  });
  await assert.rejects(settleAll([failed, dependent]), (e: unknown) => e instanceof LabError && e.message === "kamailio: did not answer");
});
