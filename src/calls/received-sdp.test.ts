import assert from "node:assert/strict";
import { test } from "node:test";
import { traceEntry } from "../agent/sip-trace.js";
import { audioConnectionAddress, receivedAudioAddress } from "./received-sdp.js";

const sdp = (session: string, ...media: string[]): string =>
  ["v=0", "o=- 1 1 IN IP4 10.123.0.2", "s=-", `c=IN IP4 ${session}`, "t=0 0", "m=audio 4000 RTP/AVP 0", ...media, ""].join("\r\n");
const msg = (first: string, callId: string, body: string): string =>
  `${first}\r\nCall-ID: ${callId}\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

test("the audio address: the stream's own c= line over the session's", () => {
  assert.equal(audioConnectionAddress(sdp("10.123.0.2")), "10.123.0.2");
  assert.equal(audioConnectionAddress(sdp("10.123.0.2", "c=IN IP4 198.51.100.3")), "198.51.100.3");
  assert.equal(audioConnectionAddress("v=0\r\ns=-\r\nt=0 0\r\n"), undefined);
});

test("the last SDP the agent received in that call counts; what it sent and other calls do not", () => {
  const trace = [
    traceEntry("received", "198.51.100.1:5060", msg("INVITE sip:bob@198.51.100.4 SIP/2.0", "c1", sdp("10.123.0.2"))),
    traceEntry("sent", "198.51.100.1:5060", msg("SIP/2.0 200 OK", "c1", sdp("198.51.100.4"))),
    traceEntry("received", "198.51.100.1:5060", msg("INVITE sip:bob@198.51.100.4 SIP/2.0", "c2", sdp("198.51.100.9"))),
  ];
  assert.equal(receivedAudioAddress(trace, "c1"), "10.123.0.2");
  assert.equal(receivedAudioAddress(trace, "c2"), "198.51.100.9");
  assert.equal(receivedAudioAddress(trace, "c3"), undefined);
  const reinvite = [...trace, traceEntry("received", "198.51.100.1:5060", msg("INVITE sip:bob@198.51.100.4 SIP/2.0", "c1", sdp("198.51.100.3")))];
  assert.equal(receivedAudioAddress(reinvite, "c1"), "198.51.100.3");
});
