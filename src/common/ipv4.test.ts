import assert from "node:assert/strict";
import { test } from "node:test";
import { contains, formatCidr, formatIp, overlaps, parseCidr, parseIp, subnets } from "./ipv4.js";

test("parses and formats addresses and networks", () => {
  assert.equal(formatIp(parseIp("198.51.100.7")!), "198.51.100.7");
  assert.equal(parseIp("256.1.1.1"), null);
  assert.equal(parseIp("1.2.3"), null);
  assert.equal(formatCidr(parseCidr("10.123.4.0/24")!), "10.123.4.0/24");
  assert.equal(parseCidr("10.123.4.1/24"), null, "host bits set");
  assert.equal(parseCidr("10.0.0.0/33"), null);
});

test("overlap, containment and splitting", () => {
  const a = parseCidr("198.51.100.0/24")!;
  assert.ok(overlaps(a, parseCidr("198.51.100.32/27")!));
  assert.ok(!overlaps(a, parseCidr("203.0.113.0/24")!));
  assert.ok(contains(a, parseIp("198.51.100.255")!));
  assert.deepEqual([...subnets(a, 26)].map(formatCidr), ["198.51.100.0/26", "198.51.100.64/26", "198.51.100.128/26", "198.51.100.192/26"]);
});
