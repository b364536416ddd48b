import assert from "node:assert/strict";
import { test } from "node:test";
import { formatCidr, parseCidr } from "../common/ipv4.js";
import { candidates, clash, describeClash, parseHostRoutes } from "./subnet-pool.js";

test("public candidates skip ranges the host already routes", () => {
  const occupied = [{ cidr: parseCidr("198.51.100.0/24")!, by: "host route" }];
  const first = candidates(true, occupied).next().value!;
  assert.equal(formatCidr(first), "203.0.113.0/27");
});

test("private candidates come from 10.123/16 in /24 steps", () => {
  const occupied = [{ cidr: parseCidr("10.123.0.0/24")!, by: "Docker network x" }];
  assert.equal(formatCidr(candidates(false, occupied).next().value!), "10.123.1.0/24");
});

test("a declared subnet that collides is named with what it collides with", () => {
  const o = clash(parseCidr("192.0.2.0/24")!, [{ cidr: parseCidr("192.0.2.0/24")!, by: 'host route "192.0.2.0/24 dev eth0"' }]);
  assert.ok(o);
  assert.match(describeClash("internet", parseCidr("192.0.2.0/24")!, o), /network "internet": subnet 192.0.2.0\/24 collides with host route/);
});

test("host routes are read from `ip -4 route` output, without the default route or Docker's bridges", () => {
  const routes = parseHostRoutes(
    [
      "default via 10.0.0.1 dev eth0",
      "192.0.2.0/24 dev eth1 proto kernel scope link src 192.0.2.5",
      "172.17.0.0/16 dev docker0 proto kernel",
      "local 127.0.0.1 dev lo table local",
      "",
    ].join("\n"),
  );
  assert.deepEqual(
    routes.map((r) => formatCidr(r.cidr)),
    ["192.0.2.0/24", "127.0.0.1/32"],
  );
  assert.match(routes[0]!.by, /^host route "192\.0\.2\.0\/24 dev eth1/);
});
