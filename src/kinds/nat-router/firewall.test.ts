import assert from "node:assert/strict";
import { test } from "node:test";
import { counterName, FirewallSpec, firewallRuleset, firewallSwap, isActive, parseCounters, SIGNATURE_NAMES } from "./firewall.js";

const rules = (spec: unknown, allowed: string[] = []): string => firewallRuleset(FirewallSpec.parse(spec), allowed);

test("each signature drops with its own named counter; a TCP signature kills the whole flow", () => {
  const r = rules({ block: ["stun-udp", "stun-tcp"] });
  assert.match(r, /counter cp_stun_udp \{ \}/);
  assert.match(r, /meta l4proto udp @th,64,2 0 @th,96,32 0x2112a442 counter name "cp_stun_udp" drop/);
  assert.match(r, /meta l4proto tcp @ih,32,32 0x2112a442 ct mark set 0x00c0ff01 counter name "cp_stun_tcp" drop/);
  assert.match(r, /ct mark 0x00c0ff01 counter name "cp_killed_flow" drop/);
  assert.match(r, /hook forward priority filter - 1;/);
});

test("udp block lets DNS through by accepting it before the drop (no merged != on both ports)", () => {
  const r = rules({ udp: "block" });
  assert.ok(r.indexOf("udp dport 53 accept") < r.indexOf('counter name "cp_udp_block" drop'));
  assert.doesNotMatch(r, /!= 53/);
});

test("the allowlist is checked first, both directions", () => {
  const r = rules({ udp: "block", block: ["rtp-udp"], allow: ["bob"] }, ["198.51.100.4/32"]);
  const first = r.indexOf("ip daddr { 198.51.100.4/32 }");
  assert.ok(first > 0 && first < r.indexOf("@th,64,2 2"));
  assert.match(r, /ip saddr \{ 198\.51\.100\.4\/32 \} counter name "cp_allowlist" accept/);
});

test("a late verdict classifies, then drops past N packets of the flow", () => {
  const r = rules({ lateBlock: { signatures: ["rtp-udp"], afterPackets: 20 } });
  assert.match(r, /@th,73,7 \{ 0, 8, 9, 18, 96-127 \} ct mark != 0x00c0ff02 ct mark set 0x00c0ff02/);
  assert.match(r, /ct mark 0x00c0ff02 ct original packets > 20 counter name "cp_late_verdict" drop/);
});

test("nothing configured is nothing loaded; every signature has a rule", () => {
  assert.equal(isActive(FirewallSpec.parse({})), false);
  for (const s of SIGNATURE_NAMES) assert.match(rules({ block: [s] }), new RegExp(`name "${counterName(s)}" drop`));
  assert.equal(FirewallSpec.safeParse({ block: ["stun"] }).success, false);
});

test("counters read from nft's JSON", () => {
  const json = JSON.stringify({ nftables: [{ metainfo: {} }, { counter: { name: "cp_udp_block", packets: 3, bytes: 90 } }] });
  assert.deepEqual(parseCounters(json), { udp_block: 3 });
});

test("a late verdict by time keeps each classified flow's conntrack id in a set that expires", () => {
  const r = rules({ lateBlock: { signatures: ["stun-udp"], afterSeconds: 5 } });
  assert.match(r, /set late_grace \{ typeof ct id; flags dynamic, timeout; timeout 5s; \}/);
  assert.match(r, /ct mark set 0x00c0ff02 add @late_grace \{ ct id \}/);
  assert.match(r, /ct mark 0x00c0ff02 ct id != @late_grace counter name "cp_late_verdict" drop/);
  assert.equal(FirewallSpec.safeParse({ lateBlock: { signatures: ["stun-udp"] } }).success, false, "one of afterPackets/afterSeconds");
  assert.equal(FirewallSpec.safeParse({ lateBlock: { signatures: ["stun-udp"], afterPackets: 1, afterSeconds: 1 } }).success, false);
});

test("a firewall change is one transaction: the table out, the new one in; an open firewall leaves no table", () => {
  const closed = FirewallSpec.parse({ udp: "block", block: ["stun-tcp"] });
  const swap = firewallSwap(closed, []).split("\n");
  assert.deepEqual(swap.slice(0, 2), ["add table inet callpath_fw", "delete table inet callpath_fw"]);
  assert.equal(swap.slice(2).join("\n"), firewallRuleset(closed, []));
  assert.equal(firewallSwap(FirewallSpec.parse({}), []), "add table inet callpath_fw\ndelete table inet callpath_fw");
});

test("fragments: drop judges every fragment before reassembly, the allowlist exempt there too", () => {
  const r = rules({ fragments: "drop" });
  assert.ok(isActive(FirewallSpec.parse({ fragments: "drop" })));
  assert.match(
    r,
    /chain fragments_in \{\n {4}type filter hook prerouting priority -500; policy accept;\n {4}ip frag-off & 0x3fff != 0 counter name "cp_fragments" drop\n {2}\}/,
  );
  assert.match(r, /counter cp_fragments \{ \}/);
  const allowed = rules({ fragments: "drop", allow: ["198.51.100.7"] }, ["198.51.100.7/32"]);
  const chain = allowed.slice(allowed.indexOf("chain fragments_in"));
  assert.ok(chain.indexOf("ip daddr { 198.51.100.7/32 }") < chain.indexOf("frag-off"), "the allowlist comes first");
  assert.doesNotMatch(rules({ udp: "block" }), /fragments_in/);
});

test('fragNeeded: drop silences ICMP "fragmentation needed", forwarded and the router\'s own, before the allowlist', () => {
  assert.ok(isActive(FirewallSpec.parse({ fragNeeded: "drop" })));
  assert.equal(isActive(FirewallSpec.parse({})), false);
  const r = rules({ fragNeeded: "drop", fragments: "drop", allow: ["198.51.100.7"] }, ["198.51.100.7/32"]);
  const drop = 'icmp type destination-unreachable icmp code frag-needed counter name "cp_frag_needed" drop';
  const forward = r.slice(r.indexOf("chain dpi_forward"), r.indexOf("chain fragments_in"));
  assert.ok(forward.includes(drop), forward);
  assert.ok(forward.indexOf(drop) < forward.indexOf('cp_allowlist" accept'), "the drop comes before the allowlist's accepts");
  assert.match(
    r,
    /chain icmp_out \{\n {4}type filter hook output priority filter; policy accept;\n {4}icmp type destination-unreachable icmp code frag-needed counter name "cp_frag_needed" drop\n {2}\}/,
  );
  assert.match(r, /counter cp_frag_needed \{ \}/);
  assert.doesNotMatch(rules({ fragments: "drop" }), /frag-needed|icmp_out/);
});
