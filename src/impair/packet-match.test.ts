import assert from "node:assert/strict";
import { test } from "node:test";
import { compileMatch, matches } from "./packet-match.js";

function udp(src: string, dst: string, sport: number, dport: number, fragOffset = 0): Buffer {
  const b = Buffer.alloc(28);
  b[0] = 0x45;
  b.writeUInt16BE(fragOffset, 6);
  b[9] = 17;
  src.split(".").forEach((o, i) => {
    b[12 + i] = Number(o);
  });
  dst.split(".").forEach((o, i) => {
    b[16 + i] = Number(o);
  });
  b.writeUInt16BE(sport, 20);
  b.writeUInt16BE(dport, 22);
  return b;
}

test("an empty match takes everything, even non-IP bytes", () => {
  assert.equal(matches(compileMatch(undefined), Buffer.from("junk")), true);
});

test("protocol, either port in range, and prefixes", () => {
  const m = compileMatch({ protocol: "udp", port: { lo: 10000, hi: 20000 }, to: "198.51.100.0/24" });
  assert.equal(matches(m, udp("10.0.0.2", "198.51.100.9", 5000, 15000)), true);
  assert.equal(matches(m, udp("10.0.0.2", "198.51.100.9", 15000, 5000)), true);
  assert.equal(matches(m, udp("10.0.0.2", "198.51.100.9", 5000, 5060)), false);
  assert.equal(matches(m, udp("10.0.0.2", "203.0.113.9", 5000, 15000)), false);
  assert.equal(matches(compileMatch({ protocol: "tcp" }), udp("10.0.0.2", "198.51.100.9", 1, 2)), false);
  assert.equal(matches(compileMatch({ from: "10.0.0.2" }), udp("10.0.0.2", "198.51.100.9", 1, 2)), true);
});

test("a later fragment has no ports, so a port match passes it by", () => {
  assert.equal(matches(compileMatch({ port: { lo: 1, hi: 65535 } }), udp("10.0.0.2", "198.51.100.9", 1, 2, 185)), false);
});

test("a bad prefix is refused when compiled", () => {
  assert.throws(() => compileMatch({ to: "not-an-ip" }), /not an IPv4 prefix/);
});
