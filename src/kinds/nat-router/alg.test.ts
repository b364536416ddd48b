import assert from "node:assert/strict";
import { test } from "node:test";
import { ALG_PROFILE_NAMES } from "../../alg/alg-rules.js";
import { helperRuleset, queueRemovalScript, queueScript } from "./alg-ruleset.js";
import { NatRouterSpec, resolveAlg } from "./index.js";

test("alg names resolve: off, the kernel helper with its defaults, each profile", () => {
  assert.deepEqual(resolveAlg("off"), { kind: "off" });
  const nf = resolveAlg("netfilter");
  assert.equal(nf.kind, "netfilter");
  assert.deepEqual(nf.kind === "netfilter" && nf.helper, {
    ports: [5060],
    protocols: ["udp", "tcp"],
    sip_direct_media: 1,
    sip_direct_signalling: 1,
    sip_external_media: 0,
  });
  for (const p of ALG_PROFILE_NAMES) assert.equal(resolveAlg(p).kind, "userspace");
});

test("rule options build a profile, over a named one or over a correct ALG", () => {
  const spec = NatRouterSpec.parse({ lan: "l", wan: "w", alg: { profile: "headers-not-sdp", rules: { ports: [5060, 5080] } } });
  const r = resolveAlg(spec.alg);
  assert.ok(r.kind === "userspace");
  assert.deepEqual(r.rules.rewrite, ["via", "contact"]);
  assert.deepEqual(r.rules.ports, [5060, 5080]);
  const custom = resolveAlg(NatRouterSpec.parse({ lan: "l", wan: "w", alg: { rules: { contentLength: "leave" } } }).alg);
  assert.ok(custom.kind === "userspace" && custom.rules.contentLength === "leave" && custom.rules.rewrite.length === 4);
  assert.equal(NatRouterSpec.safeParse({ lan: "l", wan: "w", alg: { rules: { contactPort: "6000" } } }).success, false);
});

test("the kernel helper is attached explicitly, per protocol and port, after conntrack and before confirmation", () => {
  const rules = helperRuleset({ lanIf: "eth1", ports: [5060, 5080], protocols: ["udp"] });
  assert.match(rules, /ct helper sip-udp \{ type "sip" protocol udp; l3proto ip; \}/);
  assert.match(rules, /priority filter;/);
  assert.match(rules, /iifname "eth1" udp dport \{ 5060, 5080 \} ct helper set "sip-udp"/);
  assert.doesNotMatch(rules, /tcp/);
});

test("the userspace ALG's queue sits after SNAT outbound and after DNAT inbound", () => {
  const script = queueScript({ wanIf: "eth0", ports: [5060] });
  assert.match(script, /-j NFQUEUE --queue-num 0/);
  assert.match(script, /hook postrouting priority srcnat \+ 1;.*\n.*oifname "eth0" udp dport '\{ 5060 \}'/);
  assert.match(script, /hook prerouting priority dstnat \+ 1;.*\n.*iifname "eth0" udp sport '\{ 5060 \}'/);
});

test("the queue comes out in reverse: the chains that jump, then the chain they jump to", () => {
  const made = queueScript({ wanIf: "eth0", ports: [5060] });
  const removed = queueRemovalScript().split("\n");
  for (const chain of ["callpath_alg_post", "callpath_alg_pre"]) {
    assert.ok(made.includes(`nft add chain ip mangle ${chain}`));
    assert.ok(removed.includes(`nft delete chain ip mangle ${chain}`));
  }
  const lastNft = Math.max(...removed.map((l, i) => (l.startsWith("nft ") ? i : -1)));
  assert.ok(removed.findIndex((l) => l.includes("-X CALLPATH_ALG")) > lastNft, "the iptables chain goes once nothing jumps to it");
  assert.ok(removed.findIndex((l) => l.includes("-F CALLPATH_ALG")) < removed.findIndex((l) => l.includes("-X CALLPATH_ALG")));
});
