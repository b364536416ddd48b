import assert from "node:assert/strict";
import { test } from "node:test";
import { formatCidr, parseCidr } from "../common/ipv4.js";
import { candidates, clash, describeClash } from "./subnet-pool.js";

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
