import assert from "node:assert/strict";
import { test } from "node:test";
import { encode, METHOD, xorMappedAddressAttr } from "../diagnose/reference/stun.js";
import { keepaliveAnswer, keepaliveProbe, KeepaliveTracker, MAX_PENDING, registeredFrom } from "./keepalive.js";

const target = { user: "alice", domain: "callpath.test", address: "10.0.1.2", port: 5060, proxy: { host: "198.51.100.2", port: 5060 } };

test("a CRLF keep-alive is the double CRLF and expects no answer", () => {
  const p = keepaliveProbe("crlf", target, 1);
  assert.equal(p.bytes.toString(), "\r\n\r\n");
  assert.equal(p.key, null);
});

test("an OPTIONS keep-alive goes to the proxy itself, asks for rport, and its 200 reports the public address", () => {
  const p = keepaliveProbe("options", target, 7);
  const text = p.bytes.toString();
  assert.match(text, /^OPTIONS sip:198\.51\.100\.2:5060 SIP\/2\.0\r\n/);
  assert.match(text, /\r\nCSeq: 7 OPTIONS\r\n/);
  assert.ok(text.endsWith("Content-Length: 0\r\n\r\n"));
  const via = /\r\nVia: (.*)\r\n/.exec(text)![1]!;
  assert.match(via, /;rport$/);
  const response = text
    .replace(/^OPTIONS \S+ SIP\/2\.0/, "SIP/2.0 200 Keepalive")
    .replace(`Via: ${via}`, `Via: ${via.replace(";rport", ";rport=40001;received=203.0.113.7")}`);
  assert.deepEqual(keepaliveAnswer(Buffer.from(response)), { key: p.key, publicAddress: "203.0.113.7:40001" });
});

test("a SIP answer without received/rport reports the Via's sent-by; anything but a 2xx to OPTIONS is no answer", () => {
  const p = keepaliveProbe("options", target, 1);
  const ok = p.bytes.toString().replace(/^OPTIONS \S+ SIP\/2\.0/, "SIP/2.0 200 OK");
  assert.equal(keepaliveAnswer(Buffer.from(ok))?.publicAddress, "10.0.1.2:5060");
  assert.equal(keepaliveAnswer(Buffer.from(ok.replace("SIP/2.0 200 OK", "SIP/2.0 404 Not Found"))), null);
  assert.equal(keepaliveAnswer(Buffer.from(ok.replace(/CSeq: 1 OPTIONS/, "CSeq: 1 INVITE"))), null);
  assert.equal(keepaliveAnswer(Buffer.from("\r\n")), null);
  assert.equal(keepaliveAnswer(Buffer.from("not sip")), null);
});

test("a STUN keep-alive is a Binding request; its success reports XOR-MAPPED-ADDRESS under its transaction id", () => {
  const p = keepaliveProbe("stun", target, 1);
  const transactionId = Buffer.from(p.key!, "hex");
  assert.equal(transactionId.length, 12);
  const success = encode({
    method: METHOD.binding,
    cls: "success",
    transactionId,
    attributes: [xorMappedAddressAttr({ address: "203.0.113.7", port: 40001 }, transactionId)],
  });
  assert.deepEqual(keepaliveAnswer(success), { key: p.key, publicAddress: "203.0.113.7:40001" });
  const error = encode({ method: METHOD.binding, cls: "error", transactionId, attributes: [] });
  assert.equal(keepaliveAnswer(error), null);
});

test("the tracker counts answers to its own keep-alives only, and flags an address that moved", () => {
  const t = new KeepaliveTracker("stun");
  const a = { bytes: Buffer.alloc(0), key: "a" };
  const b = { bytes: Buffer.alloc(0), key: "b" };
  const c = { bytes: Buffer.alloc(0), key: "c" };
  t.onSent(a);
  t.onSent(b);
  t.onSent(c);
  assert.equal(t.onAnswer("a", "203.0.113.7:40001"), false, "the first answer sets the address");
  assert.equal(t.onAnswer("a", "203.0.113.7:40001"), false, "a retransmitted answer counts once");
  assert.equal(t.onAnswer("x", "203.0.113.7:1"), false, "not ours");
  assert.equal(t.onAnswer("b", "203.0.113.7:40001"), false);
  assert.equal(t.onAnswer("c", "203.0.113.7:52000"), true, "the router re-mapped the phone");
  assert.deepEqual(t.stats(), { kind: "stun", sent: 3, answered: 3, publicAddress: "203.0.113.7:52000", addressChanges: 1 });
});

test("a router that re-mapped the phone before its first keep-alive is still caught: answers are compared with the registration", () => {
  const t = new KeepaliveTracker("options");
  t.registeredAs("203.0.113.7:40001");
  t.onSent({ bytes: Buffer.alloc(0), key: "a" });
  t.onSent({ bytes: Buffer.alloc(0), key: "b" });
  t.onSent({ bytes: Buffer.alloc(0), key: "c" });
  assert.equal(t.onAnswer("a", "203.0.113.7:52000"), true, "the first answer already differs from the registration");
  assert.equal(t.onAnswer("b", "203.0.113.7:52000"), true, "still stale until the registrar grants the new one");
  t.registeredAs("203.0.113.7:52000");
  assert.equal(t.onAnswer("c", "203.0.113.7:52000"), false);
  assert.equal(t.stats().addressChanges, 2);
});

test("the registered address is read from a REGISTER's 2xx Via; other responses give none", () => {
  const ok = [
    "SIP/2.0 200 OK",
    "Via: SIP/2.0/UDP 10.0.1.2:5060;branch=z9hG4bK1;rport=40001;received=203.0.113.7",
    "CSeq: 2 REGISTER",
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");
  assert.equal(registeredFrom(ok), "203.0.113.7:40001");
  assert.equal(registeredFrom(ok.replace("200 OK", "401 Unauthorized")), null);
  assert.equal(registeredFrom(ok.replace("REGISTER", "INVITE")), null);
});

test("a provider that never answers does not grow the tracker: only the latest keep-alives await answers", () => {
  const t = new KeepaliveTracker("stun");
  for (let i = 0; i < 1000; i++) t.onSent({ bytes: Buffer.alloc(0), key: `k${i}` });
  assert.equal(t.awaits("k0"), false);
  assert.equal(t.awaits(`k${1000 - MAX_PENDING}`), true);
  assert.equal(t.awaits(`k${999 - MAX_PENDING}`), false);
  assert.deepEqual(t.stats(), { kind: "stun", sent: 1000, answered: 0, publicAddress: null, addressChanges: 0 });
});
