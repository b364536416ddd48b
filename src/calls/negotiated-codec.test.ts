import assert from "node:assert/strict";
import { test } from "node:test";
import { traceEntry } from "../agent/sip-trace.js";
import { firstAudioCodec, negotiatedCodec } from "./negotiated-codec.js";

const sdp = (m: string, ...attrs: string[]): string =>
  ["v=0", "o=- 1 1 IN IP4 198.51.100.1", "s=-", "c=IN IP4 198.51.100.1", "t=0 0", m, ...attrs, ""].join("\r\n");
const ok = (callId: string, body: string, cseq = "1 INVITE"): string =>
  `SIP/2.0 200 OK\r\nCall-ID: ${callId}\r\nCSeq: ${cseq}\r\nContent-Type: application/sdp\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

test("the first payload of the first audio line names the codec, by rtpmap or by static payload type", () => {
  assert.equal(firstAudioCodec(sdp("m=audio 4000 UDP/TLS/RTP/SAVPF 111 0", "a=rtpmap:111 opus/48000/2", "a=rtpmap:0 PCMU/8000")), "opus");
  assert.equal(firstAudioCodec(sdp("m=audio 4000 RTP/AVP 8 0")), "PCMA");
  assert.equal(firstAudioCodec(sdp("m=video 4000 RTP/AVP 96", "a=rtpmap:96 VP8/90000")), undefined);
  assert.equal(firstAudioCodec(sdp("m=audio 4000 RTP/AVP 101", "a=rtpmap:101 telephone-event/8000")), "telephone-event");
});

test("a call's codec at one end is read from the last 2xx to an INVITE with SDP, retransmissions and other calls aside", () => {
  const trace = [
    traceEntry("received", "198.51.100.1:5060", ok("a", sdp("m=audio 4000 RTP/AVP 0"))),
    traceEntry("received", "198.51.100.1:5060", ok("b", sdp("m=audio 4000 RTP/AVP 8"))),
    traceEntry("received", "198.51.100.1:5060", `SIP/2.0 200 OK\r\nCall-ID: a\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n`),
  ];
  assert.equal(negotiatedCodec(trace, "a"), "PCMU");
  assert.equal(negotiatedCodec(trace, "b"), "PCMA");
  assert.equal(negotiatedCodec(trace, "c"), undefined);
  const reinvited = [...trace, traceEntry("sent", "198.51.100.1:5060", ok("a", sdp("m=audio 4000 RTP/AVP 9"), "3 INVITE"))];
  assert.equal(negotiatedCodec(reinvited, "a"), "G722", "a re-INVITE's answer replaces the first");
  const retransmitted = [...trace, traceEntry("sent", "198.51.100.1:5060", ok("a", sdp("m=audio 4000 RTP/AVP 9")), true)];
  assert.equal(negotiatedCodec(retransmitted, "a"), "PCMU");
});
