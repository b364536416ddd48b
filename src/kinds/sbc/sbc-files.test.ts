import assert from "node:assert/strict";
import { test } from "node:test";
import { legFlags, RTPENGINE_NG, rtpengineConfig, sbcKamailioConfig, sipEndpointFlags } from "./sbc-files.js";

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
  assert.match(cfg, /^#!define RTPE_OFFER_TO_WEBRTC "[^"\n]*ICE=force[^"\n]*"$/m);
  assert.match(cfg, /^#!define RTPE_ANSWER_TO_SIP "[^"\n]*ICE=remove[^"\n]*"$/m);
  assert.doesNotMatch(cfg, /codec-|SBC_KEEP/, "no codec handling unless a leg is limited");
});

test("a leg limited to some codecs: offers to it offer exactly those (for transcoding), offers from it are cut to them", () => {
  const cfg = sbcKamailioConfig({ webrtc: ["opus"], sip: ["PCMU", "PCMA"] });
  assert.match(cfg, /^#!define RTPE_OFFER_TO_WEBRTC "[^"]* codec-mask-all codec-transcode-opus"$/m);
  assert.match(cfg, /^#!define RTPE_OFFER_TO_SIP "[^"]* codec-mask-all codec-transcode-PCMU codec-transcode-PCMA"$/m);
  assert.doesNotMatch(
    cfg
      .split("\n")
      .filter((l) => l.includes("ANSWER"))
      .join("\n"),
    /codec-/,
    "codecs are chosen at the offer",
  );
  assert.match(cfg, /^#!define SBC_KEEP_WEBRTC "opus"$/m);
  assert.match(cfg, /^#!define SBC_KEEP_SIP "PCMU,PCMA"$/m);
  assert.doesNotMatch(sbcKamailioConfig({ sip: ["PCMA"] }), /SBC_KEEP_WEBRTC|codec-transcode-opus/);
});

test("only known codec names reach Kamailio's configuration", () => {
  assert.throws(() => sbcKamailioConfig({ webrtc: ['opus" \n#!define X "' as never] }), /unknown codec/);
});

test("a phone's SDP: the provider's NAT handling and latching become rtpengine's endpoint flags", () => {
  assert.equal(sipEndpointFlags({ nat: "source", latching: "symmetric" }), "SIP-source-address");
  assert.equal(sipEndpointFlags({ nat: "sdp", latching: "symmetric" }), "trust-address");
  assert.equal(sipEndpointFlags({ nat: "sdp", latching: "none" }), "trust-address asymmetric");
  assert.equal(sipEndpointFlags({ nat: "source", latching: "strict" }), "SIP-source-address strict-source");
  assert.equal(sipEndpointFlags({ nat: "source", latching: "handover" }), "SIP-source-address media-handover");
  assert.match(sbcKamailioConfig({}, { nat: "sdp", latching: "none" }), /^#!define RTPE_SIP_ENDPOINT "trust-address asymmetric"$/m);
  assert.match(sbcKamailioConfig(), /^#!define RTPE_SIP_ENDPOINT "SIP-source-address"$/m, "a provider's defaults: source address, symmetric");
});
