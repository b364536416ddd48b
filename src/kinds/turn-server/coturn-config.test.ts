import assert from "node:assert/strict";
import { test } from "node:test";
import { coturnConfig, tls443Redirect, TURN_PORTS } from "./coturn-config.js";

test("coturn listens on the node's address on 3478, 5349 and 443 with long-term credentials", () => {
  const conf = coturnConfig({ address: "198.51.100.5", credential: { username: "callpath", password: "s3cret" } });
  const lines = new Set(conf.split("\n"));
  for (const want of [
    "listening-ip=198.51.100.5",
    "relay-ip=198.51.100.5",
    `listening-port=${TURN_PORTS.plain}`,
    `tls-listening-port=${TURN_PORTS.tls}`,
    "lt-cred-mech",
    "user=callpath:s3cret",
  ]) {
    assert.ok(lines.has(want), `missing "${want}"`);
  }
  // Never a public default: no external-ip, no third-party STUN.
  assert.ok(![...lines].some((l) => l.startsWith("external-ip")));
});

test("TLS on 443 reaches the TLS listener through a redirect in the server's own namespace", () => {
  assert.match(tls443Redirect(), /tcp dport 443 redirect to :5349/);
});
