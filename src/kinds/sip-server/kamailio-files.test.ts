import assert from "node:assert/strict";
import { test } from "node:test";
import { listenConfig, registrarConfig, webSocketUrl } from "./kamailio-files.js";

test("Kamailio listens on the node's address only, once per socket", () => {
  const lines = listenConfig("198.51.100.2").trim().split("\n");
  assert.deepEqual(lines, [
    "listen=udp:198.51.100.2:5060",
    "listen=udp:198.51.100.2:5080",
    "listen=tcp:198.51.100.2:5060",
    "listen=tls:198.51.100.2:5061",
    "listen=tcp:198.51.100.2:80",
    "listen=tls:198.51.100.2:443",
  ]);
  assert.ok(!lines.some((l) => l.includes("0.0.0.0")));
});

test("WebSocket URLs use the provider ports", () => {
  assert.equal(webSocketUrl("wss", "198.51.100.2"), "wss://198.51.100.2:443");
  assert.equal(webSocketUrl("ws", "198.51.100.2"), "ws://198.51.100.2:80");
});

test("the registrar's limits reach Kamailio as defines, only as whole seconds in order", () => {
  assert.equal(registrarConfig({ minExpires: 10, maxExpires: 3600 }), "#!define REG_MIN_EXPIRES 10\n#!define REG_MAX_EXPIRES 3600\n");
  assert.throws(() => registrarConfig({ minExpires: 60, maxExpires: 30 }), /above maxExpires/);
  assert.throws(() => registrarConfig({ minExpires: 1.5, maxExpires: 30 }), /whole number/);
  assert.throws(() => registrarConfig({ minExpires: 0, maxExpires: 30 }), /whole number/);
});
