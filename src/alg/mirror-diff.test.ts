import assert from "node:assert/strict";
import { test } from "node:test";
import { mirrorResponse, readMirrorResponse } from "../mirror/mirror-response.js";
import { diffSip, formatDiff } from "./mirror-diff.js";

const sent = [
  "INVITE sip:mirror@198.51.100.2:5060 SIP/2.0",
  "Via: SIP/2.0/UDP 10.123.0.2:5060;branch=z9hG4bK1;rport",
  "From: <sip:alice@callpath.test>;tag=a",
  "To: <sip:mirror@198.51.100.2:5060>",
  "Call-ID: c",
  "CSeq: 1 INVITE",
  "Contact: <sip:alice@10.123.0.2:5060>",
  "Content-Length: 43",
  "",
  "v=0\r\no=- 1 0 IN IP4 10.123.0.2\r\nm=audio 16384 RTP/AVP 0\r\n",
].join("\r\n");

test("the diff names each rewritten field with its before and after", () => {
  const arrived = sent.replace(/10\.123\.0\.2/g, "198.51.100.3");
  const d = diffSip(sent, arrived);
  const changed = d.fields.filter((f) => f.changed).map((f) => f.field);
  assert.deepEqual(changed, ["via", "contact", "sdp-origin"]);
  assert.equal(d.contentLengthMatchesBody, false, "the body grew by two bytes and Content-Length says 43");
  assert.match(formatDiff(d), /REWRITTEN\s+via\s+SIP\/2\.0\/UDP 10\.123\.0\.2:5060\s+→\s+SIP\/2\.0\/UDP 198\.51\.100\.3:5060/);
});

test("the mirror answers a request with the exact bytes and their source, and nothing else", () => {
  const raw = Buffer.from(sent, "latin1");
  const answer = mirrorResponse(raw, "198.51.100.3:40000")!;
  const back = readMirrorResponse(answer.toString("latin1"))!;
  assert.equal(back.received, sent);
  assert.equal(back.source, "198.51.100.3:40000");
  assert.match(answer.toString(), /^SIP\/2\.0 480 Mirrored\r\nVia: SIP\/2\.0\/UDP 10\.123\.0\.2:5060;branch=z9hG4bK1;rport\r\n/);
  assert.match(answer.toString(), /^To: <sip:mirror@198\.51\.100\.2:5060>;tag=mirror$/m);
  assert.equal(mirrorResponse(Buffer.from("SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\n\r\n"), "x"), undefined, "responses are not answered");
  assert.equal(mirrorResponse(Buffer.from([1, 2, 3]), "x"), undefined, "junk is not answered");
  assert.equal(readMirrorResponse("SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\n\r\n"), undefined);
});
