import assert from "node:assert/strict";
import dgram from "node:dgram";
import { test } from "node:test";
import type { SipTraceEntry } from "./sip-trace.js";
import { requestDestination, responseDestination, UdpTransport, withoutViaPort, withViaPort } from "./udp-transport.js";

const INVITE = [
  "INVITE sip:bob@callpath.test SIP/2.0",
  "Route: <sip:198.51.100.1:5070;lr>",
  "Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK1;rport",
  "CSeq: 1 INVITE",
  "Call-ID: abc",
  "",
  "",
].join("\r\n");

test("requests follow the first Route, else the Request-URI", () => {
  assert.deepEqual(requestDestination(INVITE), { host: "198.51.100.1", port: 5070 });
  assert.deepEqual(requestDestination(INVITE.replace(/Route:.*\r\n/, "").replace("callpath.test", "198.51.100.9:5080")), { host: "198.51.100.9", port: 5080 });
});

test("responses follow received/rport of the top Via (RFC 3581), else its sent-by", () => {
  const r = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.2:5060;received=198.51.100.2;rport=40000;branch=z9hG4bK1\r\nVia: SIP/2.0/UDP 1.2.3.4\r\n\r\n";
  assert.deepEqual(responseDestination(r), { host: "198.51.100.2", port: 40000 });
  assert.deepEqual(responseDestination("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.2;branch=x\r\n\r\n"), { host: "10.0.0.2", port: 5060 });
  assert.throws(() => responseDestination("SIP/2.0 200 OK\r\nVia: garbage\r\n\r\n"), /unparsable Via/);
});

test("the Via port is stated on the wire and hidden from sip.js again", () => {
  const withPort = withViaPort(INVITE, 5062);
  assert.match(withPort, /Via: SIP\/2.0\/UDP 10.0.0.2:5062;branch/);
  assert.match(withoutViaPort(withPort, 5062), /Via: SIP\/2.0\/UDP 10.0.0.2;branch/);
  assert.match(withoutViaPort(withPort, 5999), /10.0.0.2:5062;branch/, "another port is left alone");
});

test("an unanswered INVITE is retransmitted over a real socket (Timer A)", async () => {
  const sink = dgram.createSocket("udp4");
  await new Promise<void>((r) => sink.bind(0, "127.0.0.1", r));
  const port = sink.address().port;
  const got: number[] = [];
  sink.on("message", () => got.push(Date.now()));
  const trace: SipTraceEntry[] = [];
  const t = new UdpTransport(undefined, { address: "127.0.0.1", port: 0, onTrace: (e) => trace.push(e) });
  await t.connect();
  await t.send(INVITE.replace("198.51.100.1:5070", `127.0.0.1:${port}`));
  await new Promise((r) => setTimeout(r, 1700));
  await t.disconnect();
  sink.close();
  assert.equal(got.length, 3, "original at 0, retransmissions at 0.5 s and 1.5 s");
  assert.deepEqual(
    trace.map((e) => e.retransmission ?? false),
    [false, true, true],
  );
  assert.equal(trace[0]!.callId, "abc");
});
