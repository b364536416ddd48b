import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { builtinKinds } from "../kinds/builtin.js";
import { loadTopology } from "../topology/load.js";
import { algExpectations, checkAlgLadder, judgeRewrite } from "./alg-expectation.js";
import { parseDissection } from "./dissect.js";
import { buildLadder, type LadderArrow, type LadderInterface } from "./ladder.js";

const sipAlg = (overrides: Array<readonly [string, string]>) =>
  loadTopology(new URL("../../topologies/sip-alg.yaml", import.meta.url).pathname, builtinKinds(), overrides);

function ladderOf(name: string) {
  const packets = parseDissection(readFileSync(new URL(`./fixtures/${name}.tshark.json`, import.meta.url), "utf8"));
  const columns = JSON.parse(readFileSync(new URL(`./fixtures/${name}.interfaces.json`, import.meta.url), "utf8")) as LadderInterface[];
  return buildLadder(packets, columns, [{ node: "nat1", allExitsCaptured: true }]);
}

test("each ALG's expected rewrites come from the topology: the helper all, a profile its rules, a mitigation none", async () => {
  const [nf] = algExpectations(await sipAlg([["nodes.nat1.alg", "netfilter"]]), "alice");
  assert.deepEqual([nf!.box, nf!.out, nf!.own], ["nat1", "internet", { fields: ["Via", "Contact", "SDP o=", "SDP c="], contentLength: "fix" }]);
  assert.deepEqual(algExpectations(await sipAlg([["nodes.nat1.alg", "headers-not-sdp"]]), "alice")[0]!.own.fields, ["Via", "Contact"]);
  assert.equal(algExpectations(await sipAlg([["nodes.nat1.alg", "content-length-unfixed"]]), "alice")[0]!.own.contentLength, "leave");
  const [on5080] = algExpectations(
    await sipAlg([
      ["nodes.nat1.alg", "headers-not-sdp"],
      ["nodes.alice.sip.serverPort", "5080"],
    ]),
    "alice",
  );
  assert.deepEqual(on5080!.own, { fields: [], contentLength: "none" }, "the call on 5080 passes untouched");
  assert.deepEqual(on5080!.probe.fields, ["Via", "Contact"], "a probe to 5060 is still rewritten");
  assert.deepEqual(algExpectations(await sipAlg([]), "alice"), [], "no ALG, nothing expected");
  const tcp = (mss?: string) =>
    sipAlg([["nodes.nat1.alg", "netfilter"], ["nodes.alice.sip.transport", "tcp"], ...(mss ? ([["nodes.nat1.tcpMss", mss]] as const) : [])]);
  assert.deepEqual(
    algExpectations(await tcp(), "alice")[0]!.own.fields,
    ["Contact", "SDP o=", "SDP c="],
    "over TCP the port-less Via is not the helper's to rewrite",
  );
  assert.deepEqual(
    algExpectations(await tcp("536"), "alice")[0]!.own,
    { fields: [], contentLength: "none" },
    "an INVITE split across segments is not rewritten (A3.10)",
  );
});

test("a ladder is checked against them: the real captures pass, and a wrong expectation is caught", async () => {
  const nf = algExpectations(await sipAlg([["nodes.nat1.alg", "netfilter"]]), "alice");
  assert.deepEqual(checkAlgLadder(ladderOf("alg-netfilter"), nf, "alice"), []);
  const hns = algExpectations(await sipAlg([["nodes.nat1.alg", "headers-not-sdp"]]), "alice");
  assert.deepEqual(checkAlgLadder(ladderOf("alg-headers-not-sdp"), hns, "alice"), []);
  const wrong = checkAlgLadder(ladderOf("alg-netfilter"), hns, "alice")!;
  assert.match(wrong[0]!, /changed \[Via, Contact, SDP o=, SDP c=\], expected \[Via, Contact\]/);
  assert.equal(wrong.length, 1, "Content-Length followed the body, as this profile's rules say it should");
  const none = checkAlgLadder(ladderOf("baseline"), nf, "alice")!;
  assert.equal(none.length, 2, "no rewrite where the helper would have made one");
  assert.match(none[0]!, /alice's REGISTER changed \[\], expected \[Via, Contact\]/);
  assert.match(none[1]!, /alice's INVITE changed \[\], expected \[Via, Contact, SDP o=, SDP c=\]/);
  const bob = algExpectations(await sipAlg([["nodes.nat1.alg", "netfilter"]]), "bob");
  assert.deepEqual(bob, [], "bob, on the outside, has no ALG on his path");
});

test("Content-Length must follow the body exactly when the ALG fixes it, and stay when it leaves it", () => {
  const arrow = (changes: LadderArrow["changes"]): LadderArrow => ({
    kind: "arrow",
    time: 0,
    from: 0,
    to: 1,
    protocol: "sip",
    label: "INVITE sip:bob@callpath.test",
    callId: "c",
    arrived: true,
    changes,
    crossed: "nat1",
  });
  const c = { field: "SDP c=" as const, before: "IN IP4 10.123.1.2", after: "IN IP4 198.51.100.35" };
  const fix = { fields: ["SDP c="] as const, contentLength: "fix" as const };
  assert.deepEqual(judgeRewrite(arrow([c, { field: "Content-Length", before: "151", after: "154" }]), fix), []);
  assert.match(judgeRewrite(arrow([c, { field: "Content-Length", before: "151", after: "157" }]), fix)[0]!, /body changed by 3 bytes but Content-Length by 6/);
  assert.match(judgeRewrite(arrow([c]), fix)[0]!, /Content-Length not/);
  assert.deepEqual(judgeRewrite(arrow([c]), { fields: ["SDP c="], contentLength: "leave" }), []);
  const sameLength = { field: "SDP c=" as const, before: "IN IP4 10.123.1.2", after: "IN IP4 10.123.0.2" };
  assert.deepEqual(judgeRewrite(arrow([sameLength]), fix), [], "an address of the same length leaves Content-Length as it was");
});

test("rules limited to responses or to other methods expect the seat's INVITEs and REGISTERs untouched", async () => {
  const none = { fields: [], contentLength: "none" };
  const [responses] = algExpectations(await sipAlg([["nodes.nat1.alg", "{ rules: { messages: responses } }"]]), "alice");
  assert.deepEqual([responses!.own, responses!.register.rule], [none, none]);
  assert.match(responses!.why, /responses only/);
  const [inviteOnly] = algExpectations(await sipAlg([["nodes.nat1.alg", "{ rules: { methods: [INVITE] } }"]]), "alice");
  assert.deepEqual(inviteOnly!.own.fields, ["Via", "Contact", "SDP o=", "SDP c="]);
  assert.deepEqual(inviteOnly!.register.rule, none);
  const [requests] = algExpectations(await sipAlg([["nodes.nat1.alg", "{ rules: { messages: requests } }"]]), "alice");
  assert.deepEqual(requests!.register.rule.fields, ["Via", "Contact"]);
});
