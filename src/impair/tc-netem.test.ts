import assert from "node:assert/strict";
import { test } from "node:test";
import { ImpairmentSchema } from "./model.js";
import { netemArgs, portMasks, shellLines, tcClearCommands, tcCommands, u32Selectors } from "./tc-netem.js";

const rule = (y: unknown) => ImpairmentSchema.parse(y);

test("netem arguments follow tc-netem(8)", () => {
  assert.equal(
    netemArgs(rule({ delay: { ms: 40, jitter: 10, correlation: 25, distribution: "normal" }, loss: { random: 1, correlation: 25 } })).join(" "),
    "delay 40ms 10ms 25% distribution normal loss random 1% 25%",
  );
  assert.equal(netemArgs(rule({ loss: { gemodel: { p: 1, r: 10, "1-h": 70, "1-k": 0.1 } } })).join(" "), "loss gemodel 1% 10% 70% 0.1%");
  assert.equal(netemArgs(rule({ loss: { gemodel: { p: 1 } } })).join(" "), "loss gemodel 1% 99% 100% 0%");
  assert.equal(netemArgs(rule({ delay: { ms: 10 }, reorder: { percent: 25, correlation: 50, gap: 5 } })).join(" "), "delay 10ms reorder 25% 50% gap 5");
  assert.equal(netemArgs(rule({ rate: { kbit: 5000 }, duplicate: 0.1, corrupt: 0.1 })).join(" "), "limit 1000 duplicate 0.1% corrupt 0.1% rate 5000kbit");
});

test("jitter without reordering asks netem for a rate, which keeps order", () => {
  assert.equal(netemArgs(rule({ delay: { ms: 40, jitter: 10, reorder: false } })).join(" "), "delay 40ms 10ms rate 100gbit");
});

test("port ranges become the fewest exact value/mask pairs", () => {
  assert.deepEqual(portMasks(5060, 5060), [{ value: 5060, mask: 0xffff }]);
  assert.deepEqual(portMasks(10000, 10007), [{ value: 10000, mask: 0xfff8 }]);
  const masks = portMasks(10000, 20000);
  const covered = new Set<number>();
  for (const { value, mask } of masks) for (let p = 0; p < 65536; p++) if ((p & mask) === value) covered.add(p);
  assert.equal(covered.size, 10001);
  assert.ok(covered.has(10000) && covered.has(20000) && !covered.has(9999) && !covered.has(20001));
});

test("u32 selectors match either port, with protocol and addresses", () => {
  const sel = u32Selectors({ protocol: "udp", port: { lo: 5060, hi: 5060 }, to: "198.51.100.4/32" });
  assert.deepEqual(
    sel.map((s) => s.join(" ")),
    [
      "match ip protocol 17 0xff match ip dst 198.51.100.4/32 match ip sport 5060 0xffff",
      "match ip protocol 17 0xff match ip dst 198.51.100.4/32 match ip dport 5060 0xffff",
    ],
  );
  assert.deepEqual(u32Selectors(undefined), [["match", "u32", "0", "0"]]);
});

test("one unfiltered rule is a root netem; filtered rules get prio bands and a pass-through band", () => {
  assert.deepEqual(tcCommands("eth0", "egress", [rule({ delay: { ms: 5 } })]), [["tc", "qdisc", "replace", "dev", "eth0", "root", "netem", "delay", "5ms"]]);
  const cmds = tcCommands("eth0", "egress", [rule({ match: { protocol: "udp" }, loss: { random: 5 } })]).map((c) => c.join(" "));
  assert.equal(cmds[0], `tc qdisc replace dev eth0 root handle 1: prio bands 2 priomap ${Array(16).fill("1").join(" ")}`);
  assert.equal(cmds[1], "tc qdisc add dev eth0 parent 1:1 handle 10: netem loss random 5%");
  assert.equal(cmds[2], "tc filter add dev eth0 parent 1: protocol ip prio 1 u32 match ip protocol 17 0xff flowid 1:1");
});

test("ingress goes through an ifb device, and clearing removes it", () => {
  const cmds = tcCommands("eth1", "ingress", [rule({ delay: { ms: 5 } })]).map((c) => c.join(" "));
  assert.deepEqual(cmds, [
    "ip link add ifbeth1 type ifb",
    "ip link set ifbeth1 up",
    "tc qdisc add dev eth1 handle ffff: ingress",
    "tc filter add dev eth1 parent ffff: protocol all matchall action mirred egress redirect dev ifbeth1",
    "tc qdisc replace dev ifbeth1 root netem delay 5ms",
  ]);
  assert.deepEqual(
    tcClearCommands("eth1", "ingress").map((c) => c.join(" ")),
    ["tc qdisc del dev eth1 handle ffff: ingress", "ip link del ifbeth1"],
  );
  assert.equal(shellLines([["echo", "a b"]]), "echo 'a b'");
});
