import assert from "node:assert/strict";
import { test } from "node:test";
import { SipStreamFramer } from "./sip-stream-framer.js";

const msg = (body: string, declared = Buffer.byteLength(body, "latin1")): string =>
  `OPTIONS sip:m@192.0.2.1 SIP/2.0\r\nCSeq: 1 OPTIONS\r\nContent-Length: ${declared}\r\n\r\n${body}`;

test("requests are framed by Content-Length, across chunks and back to back, byte for byte", () => {
  const f = new SipStreamFramer();
  const a = msg("v=0\r\n\xe9");
  const b = msg("");
  const all = Buffer.from(`\r\n\r\n${a}${b}`, "latin1");
  assert.deepEqual(f.push(all.subarray(0, 10)).messages, []);
  const out = f.push(all.subarray(10));
  assert.deepEqual(
    out.messages.map((m) => m.toString("latin1")),
    [a, b],
  );
  assert.equal(out.error, undefined);
});

test("a message waits for its whole body; a stream without Content-Length is refused", () => {
  const f = new SipStreamFramer();
  assert.deepEqual(f.push(Buffer.from(msg("abc", 5), "latin1")).messages, []);
  assert.equal(f.push(Buffer.from("de", "latin1")).messages[0]!.toString("latin1"), msg("abcde", 5));
  const g = new SipStreamFramer();
  assert.match(g.push(Buffer.from("OPTIONS sip:x SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\n")).error!, /without Content-Length/);
});
