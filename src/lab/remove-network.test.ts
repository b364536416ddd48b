import assert from "node:assert/strict";
import { test } from "node:test";
import { removeNetwork, type RemovableNetwork } from "./remove-network.js";

function fakeNetwork(failures: Array<{ message: string; statusCode?: number }>, attached: string[] = []) {
  const calls: string[] = [];
  const net: RemovableNetwork = {
    remove: async () => {
      calls.push("remove");
      const f = failures.shift();
      if (f) throw Object.assign(new Error(f.message), { statusCode: f.statusCode });
    },
    inspect: async () => ({ Containers: Object.fromEntries(attached.map((c) => [c, {}])) }),
    disconnect: async (o) => {
      calls.push(`disconnect ${o.Container}${o.Force ? " (force)" : ""}`);
    },
  };
  return { net, calls };
}

const ACTIVE = { message: "(HTTP code 403) error while removing network: network callpath-x-lan1 id 1f has active endpoints", statusCode: 403 };

test("a network the engine still counts an endpoint on: the endpoint is disconnected by force and the removal tried again", async () => {
  const { net, calls } = fakeNetwork([ACTIVE], ["ep1"]);
  await removeNetwork(net, { pauseMs: 1 });
  assert.deepEqual(calls, ["remove", "disconnect ep1 (force)", "remove"]);
});

test("a network already gone counts as removed; any other failure is thrown at once", async () => {
  await removeNetwork(fakeNetwork([{ message: "no such network", statusCode: 404 }]).net, { pauseMs: 1 });
  const other = fakeNetwork([{ message: "engine unreachable", statusCode: 500 }]);
  await assert.rejects(removeNetwork(other.net, { pauseMs: 1 }), /engine unreachable/);
  assert.deepEqual(other.calls, ["remove"]);
});

test("an endpoint that never goes: the last failure is thrown after the attempts allowed", async () => {
  const { net, calls } = fakeNetwork([ACTIVE, ACTIVE, ACTIVE], []);
  await assert.rejects(removeNetwork(net, { attempts: 3, pauseMs: 1 }), /active endpoints/);
  assert.equal(calls.filter((c) => c === "remove").length, 3);
});
