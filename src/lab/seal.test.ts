import assert from "node:assert/strict";
import { test } from "node:test";
import { contains, parseCidr, parseIp } from "../common/ipv4.js";
import { DEFAULT_SEAL_PROBES, judgeRoute, sealProbes } from "./seal.js";

const lab = new Set(["10.123.0.1", "198.51.100.2"]);
const gws = new Set(["10.123.0.254", "198.51.100.30"]);

test("unreachable is sealed", () => {
  assert.deepEqual(judgeRoute("RTNETLINK answers: Network is unreachable", 2, lab, gws), { sealed: true });
});

test("a next hop inside the lab is sealed; the Docker gateway or a stranger is not", () => {
  assert.equal(judgeRoute("192.0.2.123 via 10.123.0.1 dev eth0 src 10.123.0.2", 0, lab, gws).sealed, true);
  const docker = judgeRoute("192.0.2.123 via 198.51.100.30 dev eth0 src 198.51.100.1", 0, lab, gws);
  assert.equal(docker.sealed, false);
  assert.match((docker as { reason: string }).reason, /Docker bridge gateway/);
  assert.equal(judgeRoute("192.0.2.123 via 172.17.0.1 dev eth0", 0, lab, gws).sealed, false);
  assert.equal(judgeRoute("192.0.2.123 dev eth0 src 192.0.2.9", 0, lab, gws).sealed, false);
});

test("the lab's own sink device is sealed; any other on-link device is not", () => {
  assert.equal(judgeRoute("192.0.2.123 dev cp-sink src 198.51.100.2", 0, lab, gws).sealed, true);
  assert.equal(judgeRoute("192.0.2.123 dev cp-sinkhole src 198.51.100.2", 0, lab, gws).sealed, false);
});

test("a route into a VPN tunnel is sealed: the tunnel ends at the lab's own concentrator", () => {
  assert.deepEqual(judgeRoute("192.0.2.123 dev tun0 src 10.8.0.2 uid 0 \n    cache", 0, new Set(), new Set()), { sealed: true });
});

test("seal probes: the usual four, and never an address inside a lab subnet (a CGNAT lab on 100.64.0.0/10)", () => {
  const nets = (...c: string[]) => c.map((x) => parseCidr(x)!);
  const inside = (probes: string[], subnets: ReturnType<typeof nets>) => probes.filter((p) => subnets.some((s) => contains(s, parseIp(p)!)));
  assert.deepEqual(sealProbes(nets("10.123.0.0/24", "198.51.100.0/27")), DEFAULT_SEAL_PROBES);
  const cgnat = nets("100.64.0.0/24", "198.51.100.0/27");
  const p1 = sealProbes(cgnat);
  assert.deepEqual(inside(p1, cgnat), []);
  assert.equal(p1[2], "100.64.1.1", "a replacement from the same CGNAT space");
  const wide = nets("100.64.0.0/10", "192.0.2.0/24", "172.16.0.0/12");
  const p2 = sealProbes(wide);
  assert.deepEqual(inside(p2, wide), []);
  assert.deepEqual(p2, ["198.51.100.1", "203.0.113.123", "192.168.0.1"], "CGNAT wholly the lab's: not probed");
  const docs = nets("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/25");
  assert.deepEqual(sealProbes(docs), ["203.0.113.129", "203.0.113.130", "100.64.0.1", "172.16.0.1"]);
});
