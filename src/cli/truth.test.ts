import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { PROJECT_ROOT } from "../lab/images.js";
import { parseSets, truthCommand, type TruthOptions } from "./truth.js";

async function run(args: string[], options: TruthOptions = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await truthCommand(args, options, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

test("diagnose-home alice: one line per label, then the answers", async () => {
  const r = await run(["diagnose-home", "alice"], { set: ["nodes.nat1.alg=netfilter"] });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  assert.equal(
    r.stdout,
    [
      "diagnose-home: seat alice, SIP server kamailio, TURN server turn",
      "",
      "path sip    alice → nat1 → kamailio",
      "path turn   alice → nat1 → turn",
      "sipAlg      yes: nat1 netfilter on udp,tcp 5060 (rewrites the seat's udp to 5060)",
      "udpBlocked  no",
      "dpi         none",
      "stunOverTcp passes",
      "lateVerdict no",
      "vpn         none",
      "nat         1: nat1 port-restricted-cone (endpoint-independent mapping, address-and-port-dependent filtering, UDP 120 s)",
      "            taken together: endpoint-independent mapping, address-and-port-dependent filtering",
      "pathMtu     1500",
      "impairments out 0 ms ±0 ms, 0 % loss; back 0 ms ±0 ms, 0 % loss",
      "",
      "answers",
      "  sipAlg              yes",
      "  sipAlgUdp           yes",
      "  sipAlgTcp           yes",
      "  udpBlocked          no",
      "  stunOverTcpBlocked  no",
      "  lateVerdict         no",
      "  vpn                 no",
      "  vpnMode             none",
      "  natType             port-restricted-cone",
      "  natMapping          endpoint-independent",
      "  natFiltering        address-and-port-dependent",
      "  pathMtu             1500",
      "",
    ].join("\n"),
  );
});

test("--json prints the truth; notes and tunnel hops appear in the human form", async () => {
  const json = await run(["diagnose-home", "alice"], { json: true });
  assert.equal(json.code, 0);
  const t = JSON.parse(json.stdout) as { seat: string; answers: Record<string, unknown>; path: { turn: Array<{ node: string }> } };
  assert.equal(t.seat, "alice");
  assert.equal(t.answers.sipAlg, "no");
  assert.deepEqual(
    t.path.turn.map((h) => h.node),
    ["nat1"],
  );
  const vpn = await run([join(PROJECT_ROOT, "topologies/diagnose-vpn.yaml"), "alice"], { set: ["nodes.nat1.alg=netfilter"] });
  assert.equal(vpn.code, 0);
  assert.match(vpn.stdout, /^path sip {4}alice → office → \(nat1\) → vpn → kamailio$/m);
  assert.match(vpn.stdout, /^notes\n {2}- nat1's ALG \(netfilter\) sees only the VPN tunnel/m);
});

test("usage errors and an unknown seat exit 2; a topology problem exits 1 as validate prints it", async () => {
  const few = await run(["diagnose-home"]);
  assert.equal(few.code, 2);
  assert.match(few.stderr, /^callpath truth: name a topology and a seat/);
  const seat = await run(["diagnose-home", "kamailio"]);
  assert.equal(seat.code, 2);
  assert.match(seat.stderr, /"kamailio" is a sip-server, not a user agent in topology diagnose-home; seats: alice, dave, bob/);
  const set = await run(["diagnose-home", "alice"], { set: ["nodes.nat1.alg"] });
  assert.equal(set.code, 2);
  assert.match(set.stderr, /--set "nodes.nat1.alg": expected path=value/);
  const bad = await run(["diagnose-home", "alice"], { set: ["nodes.nat1.nat=weird"] });
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /^\/.*topologies\/diagnose-home\.yaml: nodes\.nat1\.nat: must be one of: .*"weird"\n$/);
  const missing = await run(["no-such-topology", "alice"]);
  assert.equal(missing.code, 1);
  assert.match(missing.stdout, /no-such-topology\.yaml: \(top\): cannot read the file \(ENOENT\)/);
});

test("--set keeps '=' inside the value", () => {
  assert.deepEqual(parseSets(["nodes.a.b={ x: 1=2 }", " nodes.c = d "]), [
    ["nodes.a.b", "{ x: 1=2 }"],
    ["nodes.c", "d"],
  ]);
  assert.match(parseSets(["=x"]) as string, /expected path=value/);
});
