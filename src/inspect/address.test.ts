import assert from "node:assert/strict";
import { test } from "node:test";
import { addressClass, describeClass, isPrivate, isPublic } from "./address.js";

test("RFC 1918 and carrier-grade NAT are private, the lab's documentation ranges public", () => {
  for (const a of ["10.123.1.2", "172.16.0.1", "172.31.255.255", "192.168.1.20"]) assert.equal(addressClass(a), "private", a);
  assert.equal(addressClass("100.64.0.1"), "carrier-nat");
  assert.equal(addressClass("100.128.0.1"), "public", "just outside 100.64/10");
  assert.equal(addressClass("172.32.0.1"), "public", "just outside 172.16/12");
  for (const a of ["198.51.100.35", "203.0.113.9", "8.8.8.8"]) assert.ok(isPublic(a) && !isPrivate(a), a);
  assert.ok(isPrivate("127.0.0.1") && isPrivate("169.254.1.1") && isPrivate("100.100.1.1"));
  assert.equal(addressClass("r0vlh9u2g49e.invalid"), "not-ipv4");
  assert.ok(!isPrivate("r0vlh9u2g49e.invalid") && !isPublic("r0vlh9u2g49e.invalid"));
  assert.equal(describeClass("100.64.1.1"), "carrier-grade NAT, RFC 6598");
  assert.equal(describeClass("10.0.0.1"), "private, RFC 1918");
});
