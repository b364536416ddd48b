import assert from "node:assert/strict";
import { test } from "node:test";
import type { CallOutcome, RtpSnapshot } from "../calls/outcome.js";
import { UsageError } from "./command.js";
import { parseCallArgs } from "./live-call.js";
import { callExitCode, formatCallReport, formatDirection, formatOutcome, liveDirection, parseForSeconds, type CallReport } from "./live-call-report.js";

/** An RTP snapshot after `sent` packets out and `received` in (sequence numbers from 1000, `lost` of them missing). */
function snap(sent: number, received: number, opts: { lost?: number; atMs?: number; hz?: number | null } = {}): RtpSnapshot {
  const lost = opts.lost ?? 0;
  return {
    local: "10.0.0.2:16384",
    remote: "198.51.100.3:16384",
    latchedFrom: null,
    sent,
    received: {
      packets: received,
      highestSeq: received + lost > 0 ? 999 + received + lost : null,
      firstSeq: received > 0 ? 1000 : null,
      jitterMs: 0.5,
      firstAtMs: null,
      lastAtMs: null,
      source: null,
    },
    signal: { dominantHz: opts.hz === undefined ? 400 : opts.hz, purity: 1 },
    atMs: opts.atMs ?? 0,
  };
}

const established: CallOutcome = {
  callId: "c1",
  direction: "outgoing",
  local: "sip:alice@callpath.test",
  remote: "sip:bob@callpath.test",
  established: true,
  setupMs: 84,
  finalStatus: 200,
  reason: "OK",
  failedStage: null,
  endedBy: null,
  startedAt: 1000,
  endedAt: null,
};

test("arguments: two agents, --for in seconds, --json", () => {
  assert.deepEqual(parseCallArgs(["alice", "bob"], { for: "3", json: true }), { caller: "alice", callee: "bob", forSeconds: 3, json: true });
  assert.deepEqual(parseCallArgs(["alice", "bob"], {}), { caller: "alice", callee: "bob", forSeconds: undefined, json: false });
  assert.throws(
    () => parseCallArgs(["alice"], {}),
    (e: Error) => e instanceof UsageError && /name the caller and the callee/.test(e.message),
  );
  assert.throws(() => parseCallArgs(["alice", "alice"], {}), /alice cannot call itself/);
  for (const bad of ["0", "-1", "soon", "", "3601"])
    assert.throws(() => parseCallArgs(["a", "b"], { for: bad }), /--for .*: give the call's length in seconds/);
  assert.equal(parseForSeconds("1.5"), 1.5);
});

test("the outcome reads as the scenarios see it: established with its set-up time, or the stage it failed at", () => {
  assert.equal(formatOutcome("alice", "bob", established), "alice → bob: established in 84 ms (final status 200)");
  assert.equal(
    formatOutcome("alice", "bob", {
      ...established,
      established: false,
      setupMs: null,
      finalStatus: 400,
      reason: "Bad Request",
      failedStage: "rejected",
      endedAt: 1120,
    }),
    "alice → bob: failed at rejected (final status 400 Bad Request) after 120 ms",
  );
  assert.equal(
    formatOutcome("alice", "bob", {
      ...established,
      established: false,
      setupMs: null,
      finalStatus: null,
      reason: "the INVITE got no response",
      failedStage: "no-response",
      endedAt: 33000,
    }),
    "alice → bob: failed at no-response (final status no final response): the INVITE got no response after 32000 ms",
  );
  assert.equal(
    formatOutcome("alice", "bob", { ...established, failedStage: "no-media", reason: "no RTP for 5 s" }),
    "alice → bob: established in 84 ms (final status 200); then no-media: no RTP for 5 s",
  );
});

test("a direction counts sent, received and lost over the window, judged as the scenarios judge audio", () => {
  const d = liveDirection(
    "alice",
    "bob",
    { senderBefore: snap(10, 0), senderAfter: snap(160, 0), receiverBefore: snap(0, 10, { atMs: 0 }), receiverAfter: snap(0, 155, { lost: 5, atMs: 3000 }) },
    3000,
    400,
    true,
  );
  assert.deepEqual({ sent: d.sent, received: d.received, lost: d.lost, heard: d.heardHz }, { sent: 150, received: 145, lost: 5, heard: 400 });
  assert.equal(d.problems?.length, 1);
  assert.match(d.problems![0]!, /loss 3\.33% > 1\.00%/);
  assert.match(
    formatDirection(d),
    /alice → bob\s+sent\s+150\s+received\s+145\s+lost\s+5 \(3\.33 %\)\s+jitter 0\.50 ms\s+tone 400 Hz \(sent 400 Hz\)\n {4}— loss 3\.33%/,
  );

  const none = liveDirection("bob", "alice", { senderAfter: snap(150, 0), receiverAfter: snap(0, 0, { hz: null, atMs: 3000 }) }, 3000, 550, true);
  assert.deepEqual(none.problems, ["no RTP from bob reached alice"]);
  const totals = liveDirection("bob", "alice", { senderAfter: snap(150, 0), receiverAfter: snap(0, 150) }, 0, 550, false);
  assert.equal(totals.problems, undefined);
  assert.equal(liveDirection("bob", "alice", { senderAfter: snap(150, 0) }, 3000, 550, true).problems?.[0], "alice has no media session for the call");
});

test("exit 0 only when the call came up and audio flowed both ways", () => {
  const ok = liveDirection("a", "b", { senderAfter: snap(150, 0), receiverAfter: snap(0, 150, { atMs: 3000 }) }, 3000, 400, true);
  const silent = liveDirection("b", "a", { senderAfter: snap(150, 0), receiverAfter: snap(0, 0, { atMs: 3000 }) }, 3000, 400, true);
  const report = (directions: CallReport["media"]): CallReport => ({
    lab: "l",
    caller: "a",
    callee: "b",
    outcome: established,
    media: directions,
    hungUp: false,
    final: null,
  });
  assert.equal(callExitCode(report({ windowMs: 3000, directions: [ok, ok] })), 0);
  assert.equal(callExitCode(report({ windowMs: 3000, directions: [ok, silent] })), 1);
  assert.equal(callExitCode({ ...report(null), outcome: { ...established, established: false, failedStage: "rejected" } }), 1);
  const text = formatCallReport(report({ windowMs: 3000, directions: [ok, silent] }));
  assert.match(text, /^a → b: established in 84 ms/);
  assert.match(text, /media over 3\.0 s: audio did not flow both ways/);
  assert.match(text, /the call stays up: `callpath hangup` ends it\n$/);
  const hung = formatCallReport(
    { ...report({ windowMs: 3000, directions: [ok, ok] }), hungUp: true, final: { durationMs: 3100, directions: [ok, ok] } },
    false,
  );
  assert.doesNotMatch(hung, /established/);
  assert.match(hung, /hung up after 3\.1 s; the whole call:/);
  assert.equal(formatCallReport({ ...report(null), outcome: { ...established, established: false, failedStage: "rejected" } }, false), "");
});
