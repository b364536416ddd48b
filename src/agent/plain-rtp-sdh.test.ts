import assert from "node:assert/strict";
import { test } from "node:test";
import { buildOffer, remoteAudioEndpoint } from "./plain-rtp-sdh.js";

test("an offer names the address and port and PCMU at 20 ms", () => {
  const sdp = buildOffer("10.0.0.2", 16384, 42, 0);
  assert.match(sdp, /^c=IN IP4 10\.0\.0\.2$/m);
  assert.match(sdp, /^m=audio 16384 RTP\/AVP 0$/m);
  assert.match(sdp, /^a=rtpmap:0 PCMU\/8000$/m);
  assert.deepEqual(remoteAudioEndpoint(sdp), { address: "10.0.0.2", port: 16384 });
});

test("a media-level c= line wins over the session one; a missing one is an error", () => {
  const sdp = "v=0\r\no=- 1 1 IN IP4 1.1.1.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\nc=IN IP4 198.51.100.7\r\n";
  assert.deepEqual(remoteAudioEndpoint(sdp), { address: "198.51.100.7", port: 4000 });
  assert.throws(() => remoteAudioEndpoint("v=0\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"), /no c= line/);
  assert.throws(() => remoteAudioEndpoint("v=0\r\ns=-\r\nt=0 0\r\n"), /no m=audio/);
});

test("padding makes the offer large with attribute lines a parser ignores", () => {
  const plain = buildOffer("10.0.0.2", 16384, 42, 0);
  const big = buildOffer("10.0.0.2", 16384, 42, 0, 2000);
  assert.ok(big.length >= plain.length + 2000 && big.length < plain.length + 2100, `${big.length - plain.length} bytes added`);
  assert.deepEqual(remoteAudioEndpoint(big), remoteAudioEndpoint(plain));
  assert.match(big, /^a=x-callpath-pad:0 x+\r$/m);
});
