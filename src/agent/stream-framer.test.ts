import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamFramer } from "./stream-framer.js";

const msg = (body: string): string => `SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

test("messages split across segments and glued together come out whole, keep-alives skipped", () => {
  const f = new StreamFramer();
  const a = msg("v=0\r\n");
  const b = msg("");
  const stream = Buffer.from(`\r\n\r\n${a}${b}\r\n`);
  const out: string[] = [];
  for (let i = 0; i < stream.length; i += 7) out.push(...f.push(stream.subarray(i, i + 7)));
  assert.deepEqual(out, [a, b]);
});

test("a body counted in bytes, not characters", () => {
  const body = "s=caf\u00e9\r\n";
  assert.deepEqual(new StreamFramer().push(Buffer.from(msg(body))), [msg(body)]);
});

test("a stream that cannot be SIP is refused, not buffered forever", () => {
  assert.throws(() => new StreamFramer().push(Buffer.from("SIP/2.0 200 OK\r\nCSeq: 1 X\r\n\r\n")), /without Content-Length/);
  assert.throws(() => new StreamFramer().push(Buffer.alloc(70_000, 0x41)), /no end of headers/);
});
