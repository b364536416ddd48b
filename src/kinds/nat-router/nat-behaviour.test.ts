import assert from "node:assert/strict";
import { test } from "node:test";
import { forgetMappingsCommands, NAT_TABLE, natRuleset } from "./nat-behaviour.js";

test("port-restricted cone: plain masquerade on the WAN, forward only LAN→WAN and replies", () => {
  const rules = natRuleset({ preset: "port-restricted-cone", lanIf: "eth1", wanIf: "eth0" });
  assert.match(rules, new RegExp(`^table ip ${NAT_TABLE} \\{`));
  assert.match(rules, /oifname "eth0" masquerade$/m);
  assert.match(rules, /policy drop;/);
  assert.match(rules, /ct state established,related accept/);
  assert.match(rules, /iifname "eth1" oifname "eth0" accept/);
  assert.doesNotMatch(rules, /flush ruleset/);
});

test("symmetric: a random port for every new flow", () => {
  assert.match(natRuleset({ preset: "symmetric", lanIf: "eth1", wanIf: "eth0" }), /masquerade random$/m);
});

test("unsolicited packets to the router are dropped before conntrack can keep them", () => {
  const rules = natRuleset({ preset: "port-restricted-cone", lanIf: "eth1", wanIf: "eth0" });
  assert.match(rules, /type filter hook input priority filter;[\s\S]*iifname "eth0" ct state new drop/);
});

test("cone presets record each mapping after SNAT and let matching new inbound UDP in by DNAT", () => {
  const full = natRuleset({ preset: "full-cone", lanIf: "eth1", wanIf: "eth0", mappingTimeoutSec: 30 });
  assert.match(full, /type inet_service : ipv4_addr \. inet_service; flags dynamic, timeout; timeout 30s;/);
  assert.match(full, /priority srcnat \+ 1;[\s\S]*update @cone \{ udp sport timeout 30s : ct original ip saddr \. ct original proto-src \}/);
  assert.match(full, /dnat ip to udp dport map @cone/);
  assert.match(full, /iifname "eth0" oifname "eth1" ct status dnat accept/);
  const restricted = natRuleset({ preset: "restricted-cone", lanIf: "eth1", wanIf: "eth0" });
  assert.match(restricted, /update @cone \{ udp sport \. ip daddr timeout 120s :/);
  assert.match(restricted, /dnat ip to udp dport \. ip saddr map @cone/);
  assert.doesNotMatch(natRuleset({ preset: "port-restricted-cone", lanIf: "eth1", wanIf: "eth0" }), /@cone|ct status dnat/);
});

test("tcpMss clamps the MSS of every TCP connection the router forwards", () => {
  assert.match(
    natRuleset({ preset: "port-restricted-cone", lanIf: "eth1", wanIf: "eth0", tcpMss: 536 }),
    /policy drop;\n\s+tcp flags syn tcp option maxseg size set 536/,
  );
  assert.doesNotMatch(natRuleset({ preset: "port-restricted-cone", lanIf: "eth1", wanIf: "eth0" }), /maxseg/);
});

test("forgetting the NAT's mappings clears conntrack, and the cone map only where the preset has one", () => {
  assert.deepEqual(forgetMappingsCommands("symmetric"), [["conntrack", "-F"]]);
  assert.deepEqual(forgetMappingsCommands("port-restricted-cone"), [["conntrack", "-F"]]);
  for (const preset of ["full-cone", "restricted-cone"] as const) {
    assert.deepEqual(forgetMappingsCommands(preset), [
      ["conntrack", "-F"],
      ["nft", "flush", "map", "ip", "callpath_nat", "cone"],
    ]);
    assert.match(natRuleset({ preset, lanIf: "eth0", wanIf: "eth1" }), /map cone \{/, "the map flushed is the one the ruleset declares");
  }
});
