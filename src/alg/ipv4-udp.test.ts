import assert from "node:assert/strict";
import { test } from "node:test";
import { parseUdp, udpChecksumValid, withUdpPayload } from "./ipv4-udp.js";

function packet(payload: Buffer, fragmentFlags = 0): Buffer {
  const out = Buffer.alloc(28 + payload.length);
  out[0] = 0x45;
  out.writeUInt16BE(out.length, 2);
  out.writeUInt16BE(fragmentFlags, 6);
  out[8] = 64;
  out[9] = 17;
  Buffer.from([198, 51, 100, 3]).copy(out, 12);
  Buffer.from([198, 51, 100, 1]).copy(out, 16);
  out.writeUInt16BE(40000, 20);
  out.writeUInt16BE(5060, 22);
  out.writeUInt16BE(8 + payload.length, 24);
  payload.copy(out, 28);
  return out;
}

test("reads addresses, ports and payload of a whole IPv4/UDP packet", () => {
  const d = parseUdp(packet(Buffer.from("hello")))!;
  assert.deepEqual(
    { src: d.src, dst: d.dst, sport: d.sport, dport: d.dport, payload: d.payload.toString() },
    {
      src: "198.51.100.3",
      dst: "198.51.100.1",
      sport: 40000,
      dport: 5060,
      payload: "hello",
    },
  );
});

test("refuses fragments, other protocols and lying lengths", () => {
  assert.equal(parseUdp(packet(Buffer.from("x"), 0x2000)), undefined, "more-fragments set");
  const tcp = packet(Buffer.from("x"));
  tcp[9] = 6;
  assert.equal(parseUdp(tcp), undefined);
  const lying = packet(Buffer.from("x"));
  lying.writeUInt16BE(500, 24);
  assert.equal(parseUdp(lying), undefined);
  assert.equal(parseUdp(Buffer.alloc(10)), undefined);
});

test("a new payload gets correct IP length, header checksum, UDP length and checksum", () => {
  const original = packet(Buffer.from("short"));
  const d = parseUdp(original)!;
  const out = withUdpPayload(original, d, Buffer.from("a much longer payload than before"));
  assert.equal(out.readUInt16BE(2), out.length);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += out.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  assert.equal(sum, 0xffff, "IPv4 header checksum verifies");
  const again = parseUdp(out)!;
  assert.equal(again.payload.toString(), "a much longer payload than before");
  assert.ok(udpChecksumValid(out, again), "UDP checksum verifies");
  assert.ok(udpChecksumValid(withUdpPayload(original, d, Buffer.from("odd")), d), "odd-length payloads too");
});
