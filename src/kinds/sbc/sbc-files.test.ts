import assert from "node:assert/strict";
import { test } from "node:test";
import { legFlags, RTPENGINE_NG, rtpengineConfig, sbcKamailioConfig } from "./sbc-files.js";

test("rtpengine relays on the node's address, is driven over loopback, and forwards in userspace", () => {
  const conf = rtpengineConfig({ address: "198.51.100.10" });
  assert.match(conf, /^\[rtpengine\]\n/);
  assert.match(conf, /^interface = 198\.51\.100\.10$/m);
  assert.match(conf, /^listen-ng = 127\.0\.0\.1:2223$/m);
  assert.match(conf, /^table = -1$/m);
  assert.match(conf, /^port-min = 30000$/m);
  assert.doesNotMatch(conf, /0\.0\.0\.0/);
});

test("rtpengine's configuration takes only an IPv4 address: nothing else reaches the file", () => {
  for (const bad of ["", "198.51.100.10\ninterface = 10.0.0.1", "sbc.callpath.test", "300.1.1.1"])
    assert.throws(() => rtpengineConfig({ address: bad }), /IPv4 address/);
});

test("a WebRTC leg gets ICE, DTLS-SRTP without SDES, RTCP multiplexed; a phone's leg plain RTP without ICE", () => {
  const webrtc = legFlags("webrtc").split(" ");
  const sip = legFlags("sip").split(" ");
  for (const f of ["ICE=force", "RTP/SAVPF", "SDES-off", "rtcp-mux-require", "generate-mid"]) assert.ok(webrtc.includes(f), f);
  for (const f of ["ICE=remove", "RTP/AVP", "DTLS=off", "rtcp-mux-demux"]) assert.ok(sip.includes(f), f);
  for (const flags of [webrtc, sip]) assert.ok(flags.includes("replace-session-connection") && flags.includes("replace-origin"));
  assert.ok(!sip.some((f) => f.startsWith("RTP/SAVP")), "no SRTP towards a classic phone");
});

test("Kamailio's SBC include defines the relay's socket and both profiles as quoted strings", () => {
  const cfg = sbcKamailioConfig();
  assert.match(cfg, new RegExp(`^#!define RTPE_SOCK "udp:127\\.0\\.0\\.1:${RTPENGINE_NG.port}"$`, "m"));
  assert.match(cfg, /^#!define RTPE_TO_WEBRTC "[^"\n]*ICE=force[^"\n]*"$/m);
  assert.match(cfg, /^#!define RTPE_TO_SIP "[^"\n]*ICE=remove[^"\n]*"$/m);
});
