import assert from "node:assert/strict";
import { test } from "node:test";
import type Docker from "dockerode";
import { builtinKinds } from "../kinds/builtin.js";
import { parseTopology } from "../topology/load.js";
import { Lab } from "./lab.js";

/**
 * Just enough of dockerode for Lab.start to reach container creation: one create fails at once while its
 * siblings are still in flight. Records what exists, so the test sees what a rollback left behind.
 */
function fakeDocker(failing: string, delayMs: number) {
  const live = { containers: new Set<string>(), networks: new Set<string>() };
  let n = 0;
  const d = {
    listNetworks: async () => [],
    createNetwork: async (o: { Name: string }) => {
      live.networks.add(o.Name);
      return { id: o.Name };
    },
    getNetwork: (id: string) => ({
      remove: async () => void live.networks.delete(id),
      connect: async () => undefined,
    }),
    createContainer: async (o: { name: string }) => {
      if (o.name.endsWith(`-${failing}`)) throw new Error(`no such image for ${failing}`);
      await new Promise((r) => setTimeout(r, delayMs));
      const id = `c${n++}`;
      live.containers.add(id);
      return { id, start: async () => Promise.reject(new Error("not started in this test")), remove: async () => void live.containers.delete(id) };
    },
  };
  return { d: d as unknown as Docker, live };
}

test("a failed create rolls back only after its siblings' creates settled: nothing is left", async () => {
  const kinds = builtinKinds();
  const topo = parseTopology(
    `name: t
networks: { lan1: {}, internet: { public: true } }
nodes:
  kamailio: { kind: sip-server, network: internet }
  nat1: { kind: nat-router, lan: lan1, wan: internet }
  alice: { kind: user-agent, network: lan1, gateway: nat1, sip: { server: kamailio } }
  bob: { kind: user-agent, network: internet, sip: { server: kamailio } }
`,
    "t.yaml",
    kinds,
  );
  const { d, live } = fakeDocker("kamailio", 80);
  const images = { base: "b", "sip-server": "s", "nat-router": "n", "user-agent": "u", "turn-server": "t", analyzer: "a", sbc: "x" };
  await assert.rejects(new Lab(topo, { images, docker: d, kinds }).start(), /no such image for kamailio|not started in this test/);
  // A create still in flight when the rollback ran would finish now, after it: give it the time.
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual([...live.containers], [], "every container that was created is removed");
  assert.deepEqual([...live.networks], [], "every network is removed");
});
