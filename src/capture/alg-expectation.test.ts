import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { builtinKinds } from "../kinds/builtin.js";
import { loadTopology } from "../topology/load.js";
import { algExpectations, checkAlgLadder } from "./alg-expectation.js";
import { parseDissection } from "./dissect.js";
import { buildLadder, type LadderInterface } from "./ladder.js";

const sipAlg = (overrides: Array<readonly [string, string]>) =>
  loadTopology(new URL("../../topologies/sip-alg.yaml", import.meta.url).pathname, builtinKinds(), overrides);

function ladderOf(name: string) {
  const packets = parseDissection(readFileSync(new URL(`./fixtures/${name}.tshark.json`, import.meta.url), "utf8"));
  const columns = JSON.parse(readFileSync(new URL(`./fixtures/${name}.interfaces.json`, import.meta.url), "utf8")) as LadderInterface[];
  return buildLadder(packets, columns, [{ node: "nat1", allExitsCaptured: true }]);
}

test("each ALG's expected rewrites come from the topology: the helper all, a profile its rules, a mitigation none", async () => {
  const nf = algExpectations(await sipAlg([["nodes.nat1.alg", "netfilter"]]), "alice");
  assert.deepEqual(
    nf.map((e) => [e.box, e.out, e.fields]),
    [["nat1", "internet", ["Via", "Contact", "SDP o=", "SDP c=", "Content-Length"]]],
  );
  assert.deepEqual(algExpectations(await sipAlg([["nodes.nat1.alg", "headers-not-sdp"]]), "alice")[0]!.fields, ["Via", "Contact"]);
  assert.deepEqual(algExpectations(await sipAlg([["nodes.nat1.alg", "content-length-unfixed"]]), "alice")[0]!.fields, ["Via", "Contact", "SDP o=", "SDP c="]);
  const on5080 = algExpectations(
    await sipAlg([
      ["nodes.nat1.alg", "headers-not-sdp"],
      ["nodes.alice.sip.serverPort", "5080"],
    ]),
    "alice",
  );
  assert.deepEqual(on5080[0]!.fields, []);
  assert.deepEqual(algExpectations(await sipAlg([]), "alice"), [], "no ALG, nothing expected");
});

test("a ladder is checked against them: the real captures pass, and a wrong expectation is caught", async () => {
  const nf = algExpectations(await sipAlg([["nodes.nat1.alg", "netfilter"]]), "alice");
  assert.deepEqual(checkAlgLadder(ladderOf("alg-netfilter"), nf), []);
  const hns = algExpectations(await sipAlg([["nodes.nat1.alg", "headers-not-sdp"]]), "alice");
  assert.deepEqual(checkAlgLadder(ladderOf("alg-headers-not-sdp"), hns), []);
  // The helper's capture does not look like a headers-only ALG, nor like no rewrite at all.
  assert.match(checkAlgLadder(ladderOf("alg-netfilter"), hns)![0]!, /changed \[Via, Contact, SDP o=, SDP c=, Content-Length\], expected \[Via, Contact\]/);
  assert.equal(checkAlgLadder(ladderOf("baseline"), nf)!.length, 1);
  // A ladder with no INVITE towards the server cannot be judged.
  assert.equal(checkAlgLadder({ ...ladderOf("baseline"), rows: [] }, nf), null);
});
