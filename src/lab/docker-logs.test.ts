import assert from "node:assert/strict";
import { test } from "node:test";
import { demuxLogs } from "./docker-logs.js";

function frame(stream: number, text: string): Buffer {
  const body = Buffer.from(text);
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(body.length, 4);
  return Buffer.concat([h, body]);
}

test("strips multiplexed frame headers from stdout and stderr", () => {
  assert.equal(demuxLogs(Buffer.concat([frame(1, "out\n"), frame(2, "err\n")])), "out\nerr\n");
});

test("leaves a TTY stream as it is", () => {
  assert.equal(demuxLogs(Buffer.from("plain text log line\n")), "plain text log line\n");
});
