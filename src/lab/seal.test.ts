import assert from "node:assert/strict";
import { test } from "node:test";
import { judgeRoute } from "./seal.js";

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
