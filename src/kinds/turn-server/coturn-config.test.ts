import assert from "node:assert/strict";
import { test } from "node:test";
import { coturnConfig, missingUdpListeners, tls443Redirect, TURN_PORTS } from "./coturn-config.js";

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
  // One address: RFC 5780 is off, and said so (coturn would otherwise decide from the addresses it finds).
  assert.ok(lines.has("no-rfc5780"));
  assert.equal([...lines].filter((l) => l.startsWith("listening-ip=")).length, 1);
});

test("with a second address coturn listens on both, on 3478 and the alternate 3479, and RFC 5780 is on", () => {
  const conf = coturnConfig({ address: "198.51.100.5", alternate: "198.51.100.6", credential: { username: "callpath", password: "s3cret" } });
  const lines = conf.split("\n");
  assert.deepEqual(
    lines.filter((l) => l.startsWith("listening-ip=")),
    ["listening-ip=198.51.100.5", "listening-ip=198.51.100.6"],
  );
  for (const want of [`alt-listening-port=${TURN_PORTS.alt}`, `alt-tls-listening-port=${TURN_PORTS.tlsAlt}`, `listening-port=${TURN_PORTS.plain}`]) {
    assert.ok(lines.includes(want), `missing "${want}"`);
  }
  assert.equal(TURN_PORTS.alt, 3479);
  assert.ok(!lines.includes("no-rfc5780"));
  // RFC 3489 classifiers (stund's `stun`, nat-type-identifier) send requests without the magic cookie.
  assert.ok(!lines.includes("no-stun-backward-compatibility"));
  // Relays stay on the primary address.
  assert.deepEqual(
    lines.filter((l) => l.startsWith("relay-ip=")),
    ["relay-ip=198.51.100.5"],
  );
});

test("readiness names each address and port coturn does not listen on yet", () => {
  const ss = [
    "Netid State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess",
    "udp   UNCONN 0      0       198.51.100.5:3478       0.0.0.0:*",
    "udp   UNCONN 0      0       198.51.100.5:3479       0.0.0.0:*",
    "udp   UNCONN 0      0       198.51.100.6:3478       0.0.0.0:*",
    "tcp   LISTEN 0      5       198.51.100.6:3479       0.0.0.0:*",
  ].join("\n");
  assert.deepEqual(missingUdpListeners(ss, ["198.51.100.5", "198.51.100.6"], [3478, 3479]), ["198.51.100.6:3479"]);
  assert.deepEqual(missingUdpListeners(`${ss}\nudp UNCONN 0 0 198.51.100.6:3479 0.0.0.0:*`, ["198.51.100.5", "198.51.100.6"], [3478, 3479]), []);
});

test("TLS on 443 reaches the TLS listener through a redirect in the server's own namespace", () => {
  assert.match(tls443Redirect(), /tcp dport 443 redirect to :5349/);
});
