import assert from "node:assert/strict";
import { test } from "node:test";
import { keepaliveConfig, listenConfig, natConfig, registrarConfig, webSocketUrl } from "./kamailio-files.js";

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

test("an edge address listens for classic SIP only, and names its sockets for route[EDGE]", () => {
  const lines = listenConfig("198.51.100.2", "198.51.100.3").trim().split("\n");
  assert.deepEqual(lines.slice(6), [
    "#!define WITH_EDGE",
    "listen=udp:198.51.100.3:5060",
    '#!define EDGE_UDP "udp:198.51.100.3:5060"',
    "listen=tcp:198.51.100.3:5060",
    '#!define EDGE_TCP "tcp:198.51.100.3:5060"',
    "listen=tls:198.51.100.3:5061",
    '#!define EDGE_TLS "tls:198.51.100.3:5061"',
  ]);
  assert.ok(!lines.some((l) => /198\.51\.100\.3:(80|443|5080)$/.test(l)), "no WebSocket or alternate port on the edge");
});

test("listen addresses are IPv4 addresses, and the edge is not the registrar", () => {
  assert.throws(() => listenConfig("198.51.100.2\nlisten=udp:0.0.0.0:5060"), /not an IPv4 address/);
  assert.throws(() => listenConfig("198.51.100.2", "x"), /not an IPv4 address/);
  assert.throws(() => listenConfig("198.51.100.2", "198.51.100.2"), /registrar's own/);
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

test("the keep-alives a provider answers reach Kamailio as defines, each once; nothing answered is an empty file", () => {
  assert.equal(keepaliveConfig(["stun", "options", "stun"]), "#!define ANSWER_OPTIONS\n#!define ANSWER_STUN\n");
  assert.equal(keepaliveConfig([]), "");
  assert.throws(() => keepaliveConfig(["crlf" as never]), /options, stun; not crlf/);
});

test("NAT handling reaches Kamailio as a define: TRUST_SDP for sdp, none for source (a comment, never an empty file)", () => {
  assert.equal(natConfig("sdp"), "#!define TRUST_SDP\n");
  assert.doesNotMatch(natConfig("source"), /#!define/);
  assert.match(natConfig("source"), /^# /);
  assert.throws(() => natConfig("trust; rm" as never), /one of source, sdp/);
});
