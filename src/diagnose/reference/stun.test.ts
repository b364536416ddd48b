import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ATTR,
  changeRequestAttr,
  crc32,
  decode,
  encode,
  errorCode,
  errorCodeAttr,
  longTermKey,
  mappedAddressAttr,
  METHOD,
  messageType,
  otherAddress,
  requestedTransportAttr,
  responseOrigin,
  textAttr,
  textOf,
  u32Of,
  verifyFingerprint,
  verifyIntegrity,
  xorMappedAddress,
  xorMappedAddressAttr,
} from "./stun.js";

// RFC 5769's test vectors, as printed there.
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");

const SAMPLE_REQUEST = hex(`
  00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
  00 24 00 04 6e 00 01 ff
  80 29 00 08 93 2f f9 b1 51 26 3b 36
  00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
  00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
  80 28 00 04 e5 7a 3b cf`);
const SAMPLE_IPV4_RESPONSE = hex(`
  01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
  00 20 00 08 00 01 a1 47 e1 12 a6 43
  00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
  80 28 00 04 c0 7d 4c 96`);
const SAMPLE_IPV6_RESPONSE = hex(`
  01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
  00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9
  00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41
  80 28 00 04 c8 fb 0b 4c`);
const SAMPLE_LONG_TERM = hex(`
  00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e
  00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00
  00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 36 34 73 41
  00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00
  00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66`);
const SHORT_TERM_KEY = Buffer.from("VOkJxbRl1RmTxUk/WvJxBt", "utf8");

test("RFC 5769 2.1: the sample request decodes, its integrity and fingerprint check, and it re-encodes byte for byte", () => {
  const m = decode(SAMPLE_REQUEST)!;
  assert.equal(m.method, METHOD.binding);
  assert.equal(m.cls, "request");
  assert.equal(textOf(m, ATTR.SOFTWARE), "STUN test client");
  assert.equal(textOf(m, ATTR.USERNAME), "evtj:h6vY");
  assert.equal(verifyIntegrity(m, SHORT_TERM_KEY), true);
  assert.equal(verifyIntegrity(m, Buffer.from("wrong")), false);
  assert.equal(verifyFingerprint(m), true);
  const attrs = m.attributes.filter((a) => a.type !== ATTR.MESSAGE_INTEGRITY && a.type !== ATTR.FINGERPRINT);
  const again = encode(
    { method: m.method, cls: m.cls, transactionId: m.transactionId, attributes: attrs },
    { integrityKey: SHORT_TERM_KEY, fingerprint: true, padByte: 0x20 },
  );
  assert.deepEqual(again, SAMPLE_REQUEST);
});

test("RFC 5769 2.2 and 2.3: XOR-MAPPED-ADDRESS of the IPv4 and IPv6 responses", () => {
  const v4 = decode(SAMPLE_IPV4_RESPONSE)!;
  assert.equal(v4.cls, "success");
  assert.deepEqual(xorMappedAddress(v4), { address: "192.0.2.1", port: 32853 });
  assert.equal(textOf(v4, ATTR.SOFTWARE), "test vector");
  assert.equal(verifyIntegrity(v4, SHORT_TERM_KEY), true);
  assert.equal(verifyFingerprint(v4), true);
  const attrs = v4.attributes.filter((a) => a.type !== ATTR.MESSAGE_INTEGRITY && a.type !== ATTR.FINGERPRINT);
  const again = encode(
    { method: v4.method, cls: v4.cls, transactionId: v4.transactionId, attributes: attrs },
    { integrityKey: SHORT_TERM_KEY, fingerprint: true, padByte: 0x20 },
  );
  assert.deepEqual(again, SAMPLE_IPV4_RESPONSE);
  const v6 = decode(SAMPLE_IPV6_RESPONSE)!;
  assert.deepEqual(xorMappedAddress(v6), { address: "2001:db8:1234:5678:11:2233:4455:6677", port: 32853 });
  assert.equal(verifyIntegrity(v6, SHORT_TERM_KEY), true);
  assert.equal(verifyFingerprint(v6), true);
});

test("RFC 5769 2.4: the long-term key is MD5(user:realm:password) and the request's integrity checks with it", () => {
  const m = decode(SAMPLE_LONG_TERM)!;
  const user = textOf(m, ATTR.USERNAME)!;
  assert.equal(user, "\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9");
  assert.equal(textOf(m, ATTR.REALM), "example.org");
  assert.equal(textOf(m, ATTR.NONCE), "f//499k954d6OL34oL9FSTvy64sA");
  // The password after SASLprep, as the RFC gives it.
  assert.equal(verifyIntegrity(m, longTermKey(user, "example.org", "TheMatrIX")), true);
  assert.equal(verifyIntegrity(m, longTermKey(user, "example.org", "TheMatrix")), false);
  assert.equal(verifyFingerprint(m), undefined, "no FINGERPRINT in this vector");
  // Encoding the same attributes with the same key gives the vector.
  const attrs = m.attributes.filter((a) => a.type !== ATTR.MESSAGE_INTEGRITY);
  const again = encode(
    { method: m.method, cls: m.cls, transactionId: m.transactionId, attributes: attrs },
    { integrityKey: longTermKey(user, "example.org", "TheMatrIX") },
  );
  assert.deepEqual(again, SAMPLE_LONG_TERM);
});

test("message types interleave method and class bits", () => {
  assert.equal(messageType(METHOD.binding, "request"), 0x0001);
  assert.equal(messageType(METHOD.binding, "success"), 0x0101);
  assert.equal(messageType(METHOD.binding, "error"), 0x0111);
  assert.equal(messageType(METHOD.allocate, "request"), 0x0003);
  assert.equal(messageType(METHOD.allocate, "error"), 0x0113);
  assert.equal(messageType(METHOD.refresh, "success"), 0x0104);
  for (const cls of ["request", "indication", "success", "error"] as const) {
    const m = decode(encode({ method: 0xabc, cls, transactionId: Buffer.alloc(12, 7), attributes: [] }))!;
    assert.deepEqual([m.method, m.cls], [0xabc, cls]);
  }
});

test("RFC 5780 attributes and TURN attributes round-trip", () => {
  const tid = Buffer.alloc(12, 1);
  const bytes = encode(
    {
      method: METHOD.binding,
      cls: "success",
      transactionId: tid,
      attributes: [
        xorMappedAddressAttr({ address: "198.51.100.7", port: 40000 }, tid),
        mappedAddressAttr(ATTR.OTHER_ADDRESS, { address: "198.51.100.9", port: 3479 }),
        mappedAddressAttr(ATTR.RESPONSE_ORIGIN, { address: "198.51.100.8", port: 3478 }),
        errorCodeAttr(401, "Unauthorized"),
        changeRequestAttr({ ip: true, port: true }),
        requestedTransportAttr(),
        textAttr(ATTR.REALM, "callpath.test"),
      ],
    },
    { fingerprint: true },
  );
  const m = decode(bytes)!;
  assert.deepEqual(xorMappedAddress(m), { address: "198.51.100.7", port: 40000 });
  assert.deepEqual(otherAddress(m), { address: "198.51.100.9", port: 3479 });
  assert.deepEqual(responseOrigin(m), { address: "198.51.100.8", port: 3478 });
  assert.deepEqual(errorCode(m), { code: 401, reason: "Unauthorized" });
  assert.equal(u32Of(m, ATTR.CHANGE_REQUEST), 6);
  assert.deepEqual([...m.attributes.find((a) => a.type === ATTR.REQUESTED_TRANSPORT)!.value], [17, 0, 0, 0]);
  assert.equal(verifyFingerprint(m), true);
  bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 1, bytes.length - 1);
  assert.equal(verifyFingerprint(decode(bytes)!), false);
});

test("decode refuses what is not one well-formed STUN message", () => {
  assert.equal(decode(Buffer.from("INVITE sip:x SIP/2.0\r\n\r\n")), undefined);
  assert.equal(decode(SAMPLE_IPV4_RESPONSE.subarray(0, 60)), undefined, "truncated");
  assert.equal(decode(Buffer.concat([SAMPLE_IPV4_RESPONSE, Buffer.alloc(4)])), undefined, "trailing bytes");
  const lying = Buffer.from(SAMPLE_IPV4_RESPONSE);
  lying.writeUInt16BE(0x0b00, 22);
  assert.equal(decode(lying), undefined, "an attribute longer than the message");
  assert.equal(crc32(Buffer.from("123456789")), 0xcbf43926, "the CRC-32 check value");
});
