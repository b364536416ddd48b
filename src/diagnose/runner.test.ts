import assert from "node:assert/strict";
import { test } from "node:test";
import { join } from "node:path";
import { builtinKinds } from "../kinds/builtin.js";
import { PROJECT_ROOT } from "../lab/images.js";
import { loadTopology } from "../topology/load.js";
import { helperCompatible, helperKey, schedule } from "./runner.js";

const home = (overrides: Array<[string, string]>) => loadTopology(join(PROJECT_ROOT, "topologies", "diagnose-home.yaml"), builtinKinds(), overrides);

test("the kernel helper's global parameters: which cases may run beside which", async () => {
  assert.equal(helperKey(await home([])), undefined);
  assert.equal(helperKey(await home([["nodes.nat1.alg", "netfilter"]])), "defaults");
  assert.equal(helperKey(await home([["nodes.nat1.alg", "headers-not-sdp"]])), undefined, "a userspace ALG needs no helper");
  const changed = helperKey(await home([["nodes.nat1.alg", "{ netfilter: { sip_direct_media: 0 } }"]]));
  assert.match(changed ?? "", /"sip_direct_media":0/);
  assert.equal(helperCompatible(undefined, ["defaults", changed]), true);
  assert.equal(helperCompatible("defaults", ["defaults", undefined]), true);
  assert.equal(helperCompatible("defaults", [changed]), false);
  assert.equal(helperCompatible(changed, [undefined]), true);
  assert.equal(helperCompatible(changed, [changed]), false, "the host lock is held by one lab at a time");
  assert.equal(helperCompatible(changed, ["defaults"]), false);
});

test("the schedule: at most `parallel` at once, each item once, clashing helper keys never together, results in order", async () => {
  const keys = [undefined, "defaults", "x", undefined, "defaults", "x", "y", undefined];
  const live = new Set<number>();
  let most = 0;
  const seen: number[] = [];
  const results = await schedule(keys, 3, async (i) => {
    for (const j of live)
      assert.ok(helperCompatible(keys[i], [keys[j]]) && helperCompatible(keys[j], [keys[i]]), `${i} (${keys[i]}) ran beside ${j} (${keys[j]})`);
    live.add(i);
    seen.push(i);
    most = Math.max(most, live.size);
    await new Promise((r) => setTimeout(r, 5 + ((i * 7) % 11)));
    live.delete(i);
    return i * 10;
  });
  assert.deepEqual(
    results,
    keys.map((_, i) => i * 10),
  );
  assert.deepEqual(
    [...seen].sort((a, b) => a - b),
    keys.map((_, i) => i),
  );
  assert.ok(most <= 3 && most >= 2, `at most ${most} at once`);
});
