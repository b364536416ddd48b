import assert from "node:assert/strict";
import { PassThrough, type Readable } from "node:stream";
import { test } from "node:test";
import { LogStream } from "./log-stream.js";
import { waitForLog } from "./wait/log-wait-strategy.js";

/** Docker's multiplexed log framing: [stream, 0, 0, 0, size32be] before each chunk. */
function frame(stream: 1 | 2, text: string): Buffer {
  const body = Buffer.from(text);
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}

/** The demultiplexer dockerode's modem provides, enough of it for the test. */
function demux(source: Readable, out: PassThrough, err: PassThrough): void {
  let buf = Buffer.alloc(0);
  source.on("data", (c: Buffer) => {
    buf = Buffer.concat([buf, c]);
    while (buf.length >= 8 && buf.length >= 8 + buf.readUInt32BE(4)) {
      const size = buf.readUInt32BE(4);
      (buf[0] === 2 ? err : out).write(buf.subarray(8, 8 + size));
      buf = buf.subarray(8 + size);
    }
  });
}

test("a followed log: lines split across frames, each stream kept apart, marks", () => {
  const src = new PassThrough();
  const log = new LogStream(src, demux);
  src.write(frame(1, "CALLPATH-RX REG"));
  src.write(frame(1, "ISTER\nsecond\n"));
  src.write(frame(2, "oops\n"));
  assert.deepEqual(
    log.lines().map((l) => [l.stream, l.text]),
    [
      ["stdout", "CALLPATH-RX REGISTER"],
      ["stdout", "second"],
      ["stderr", "oops"],
    ],
  );
  const mark = log.mark();
  src.write(frame(1, "third\n"));
  assert.equal(log.text(mark), "third\n");
});

test("the log wait strategy: what already arrived counts, `times`, timeouts, aborts and a stream that ends", async () => {
  const src = new PassThrough();
  const log = new LogStream(src, demux);
  src.write(frame(1, "CALLPATH-NAT REGISTER from 198.51.100.2:5060 is behind NAT\n"));
  const seen = await waitForLog(log, /CALLPATH-NAT .* from 198\.51\.100\.2:/, { timeoutMs: 100 });
  assert.equal(seen.length, 1);
  const twice = waitForLog(log, "CALLPATH-NAT", { times: 2, timeoutMs: 1000 });
  src.write(frame(1, "CALLPATH-NAT INVITE from 198.51.100.2:5060 is behind NAT\n"));
  assert.equal((await twice).length, 2);
  await assert.rejects(waitForLog(log, "never", { timeoutMs: 20 }), /timed out after 20 ms.*never/);
  const ac = new AbortController();
  const aborted = waitForLog(log, "never", { timeoutMs: 5000, signal: ac.signal });
  ac.abort(new Error("stage failed"));
  await assert.rejects(aborted, /stage failed/);
  const ended = waitForLog(log, "never", { timeoutMs: 5000 });
  src.end();
  await assert.rejects(ended, /the log ended/);
});
