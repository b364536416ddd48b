import assert from "node:assert/strict";
import { test } from "node:test";
import type { SipTraceEntry } from "../agent/sip-trace.js";
import { answerTiming } from "./answer-timing.js";

const entry = (at: number, direction: SipTraceEntry["direction"], firstLine: string, cseq: string, callId = "c1"): SipTraceEntry => ({
  at,
  direction,
  peer: "198.51.100.10:5060",
  callId,
  firstLine,
  cseq,
  raw: `${firstLine}\r\n\r\n`,
});

test("an answer whose ACK never came: the 2xx sent again and again, then a BYE after 32 s", () => {
  const trace = [
    entry(0, "received", "INVITE sip:alice@10.123.0.2:5070 SIP/2.0", "1 INVITE"),
    entry(10, "sent", "SIP/2.0 180 Ringing", "1 INVITE"),
    entry(100, "sent", "SIP/2.0 200 OK", "1 INVITE"),
    entry(600, "sent", "SIP/2.0 200 OK", "1 INVITE"),
    entry(1600, "sent", "SIP/2.0 200 OK", "1 INVITE"),
    entry(32_150, "sent", "BYE sip:bob@198.51.100.10 SIP/2.0", "2 BYE"),
    entry(32_200, "received", "SIP/2.0 200 OK", "2 BYE"),
  ];
  assert.deepEqual(answerTiming(trace, "c1"), { answeredAt: 100, answersSent: 3, ackAt: null, byeSentAt: 32_150, byeReceivedAt: null });
});

test("an ACK for the answer; a BYE from the far end later; other calls and an earlier transaction left out", () => {
  const trace = [
    entry(0, "received", "INVITE sip:alice@x SIP/2.0", "7 INVITE"),
    entry(5, "received", "ACK sip:alice@x SIP/2.0", "6 ACK"),
    entry(50, "sent", "SIP/2.0 200 OK", "7 INVITE"),
    entry(60, "received", "ACK sip:alice@x SIP/2.0", "1 ACK", "other"),
    entry(80, "received", "ACK sip:alice@x SIP/2.0", "7 ACK"),
    entry(5000, "received", "BYE sip:alice@x SIP/2.0", "8 BYE"),
  ];
  assert.deepEqual(answerTiming(trace, "c1"), { answeredAt: 50, answersSent: 1, ackAt: 80, byeSentAt: null, byeReceivedAt: 5000 });
});

test("the caller's own trace, or an INVITE never answered, has no answer timing", () => {
  const caller = [entry(0, "sent", "INVITE sip:bob@x SIP/2.0", "1 INVITE"), entry(50, "received", "SIP/2.0 200 OK", "1 INVITE")];
  assert.equal(answerTiming(caller, "c1"), null);
  const unanswered = [entry(0, "received", "INVITE sip:bob@x SIP/2.0", "1 INVITE"), entry(50, "sent", "SIP/2.0 486 Busy Here", "1 INVITE")];
  assert.equal(answerTiming(unanswered, "c1"), null);
  assert.equal(answerTiming(caller, "nope"), null);
});
