import assert from "node:assert/strict";
import { test } from "node:test";
import { parseListening } from "./listening.js";

test("ss -lntu output gives the listening ports per protocol", () => {
  const out = [
    "Netid State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess",
    "udp   UNCONN 0      0       198.51.100.2:3478       0.0.0.0:*",
    "tcp   LISTEN 0      1024    198.51.100.2:5349       0.0.0.0:*",
    "tcp   LISTEN 0      1024    198.51.100.2:3478       0.0.0.0:*",
    "tcp   LISTEN 0      128             [::]:22            [::]:*",
  ].join("\n");
  const p = parseListening(out);
  assert.deepEqual(
    [...p.tcp].sort((a, b) => a - b),
    [22, 3478, 5349],
  );
  assert.deepEqual([...p.udp], [3478]);
});
