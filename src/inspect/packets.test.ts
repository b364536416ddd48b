import assert from "node:assert/strict";
import { test } from "node:test";
import { inspectArgs, parseInspection, parseVia } from "./packets.js";
import { fixture } from "./test-fixtures.js";

test("a Via value splits into transport, sent-by, branch, received and rport", () => {
  assert.deepEqual(parseVia("SIP/2.0/UDP 10.123.1.2:5060;branch=z9hG4bK7559047;rport"), {
    transport: "UDP",
    host: "10.123.1.2",
    port: 5060,
    branch: "z9hG4bK7559047",
    received: null,
    rport: null,
  });
  const proxied = parseVia("SIP/2.0/UDP 198.51.100.35:5070;received=198.51.100.35;branch=z9hG4bKx;rport=40000");
  assert.equal(proxied?.received, "198.51.100.35");
  assert.equal(proxied?.rport, 40000);
  // No port: 5060 (RFC 3261 §18.2.2); an IPv6 reference in brackets.
  assert.equal(parseVia("SIP/2.0/UDP 198.51.100.33;branch=z9hG4bKf4b6.0")?.port, 5060);
  const v6 = parseVia("SIP/2.0/TLS [2001:db8::1]:5061;branch=b");
  assert.equal(v6?.host, "2001:db8::1");
  assert.equal(v6?.port, 5061);
  assert.equal(parseVia("garbage"), null);
});

test("tshark's JSON becomes packets with SIP addressing, STUN errors, ChannelData, TLS and TCP flags", () => {
  const webrtc = fixture("webrtc-udp-blocked");
  const error = webrtc.find((p) => p.stun?.type === "Allocate error");
  assert.equal(error?.stunError, 401, "error class 4, number 1");
  assert.ok(
    webrtc.some((p) => p.channel !== null && p.channel >= 0x4000),
    "ChannelData carries its channel number",
  );
  const hello = webrtc.find((p) => p.tls?.types.includes(1));
  assert.equal(hello?.tls?.serverName, "sip.callpath.test");
  assert.ok(webrtc.some((p) => p.tcp?.syn && p.tcp.ack));
  assert.ok(
    webrtc.some((p) => p.stun?.type === "Binding request" && p.stunUsername !== null),
    "ICE checks carry USERNAME",
  );
  const alg = fixture("alg-headers-not-sdp");
  const invite = alg.find((p) => p.sip?.method === "INVITE" && p.sip.status === null && p.iface === "nat1:internet")!;
  assert.equal(invite.addressing?.via[0]?.host, "198.51.100.35");
  assert.equal(invite.addressing?.contact?.host, "198.51.100.35");
  assert.equal(invite.addressing?.contact?.port, 5060);
  assert.deepEqual(invite.addressing?.sdp?.connection, ["10.123.1.2"]);
  assert.deepEqual(invite.addressing?.sdp?.ports, [16384]);
  assert.ok(invite.udpLength! > 600);
});

test("an ICMP error's quoted packet is not SIP on the wire; the quoted addresses are kept", () => {
  const vpn = fixture("vpn-drop-fragments");
  const icmp = vpn.find((p) => p.transport === "icmp")!;
  assert.equal(icmp.sip, null);
  assert.ok(icmp.quoted && icmp.quoted.src !== icmp.src);
  assert.deepEqual(parseInspection(""), []);
  assert.deepEqual(parseInspection('[{"_source":{"layers":{"frame.number":["1"]}}}]'), [], "a frame without IPv4 is left out");
});

test("the arguments ask for the ladder's fields and the inspector's, and for TCP set-up and tunnels", () => {
  const args = inspectArgs("/inspect/capture.pcap");
  assert.deepEqual(args.slice(0, 2), ["-r", "/inspect/capture.pcap"]);
  for (const f of ["sip.Contact", "sip.contact.host", "stun.att.error", "stun.channel", "frame.protocols"]) assert.ok(args.includes(f), f);
  const filter = args[args.indexOf("-Y") + 1]!;
  assert.match(filter, /tcp\.flags\.syn == 1/);
  assert.match(filter, /openvpn/);
});
