import assert from "node:assert/strict";
import { test } from "node:test";
import type { CallOutcome } from "../calls/outcome.js";
import { callsToEnd } from "./live-hangup.js";

const call = (callId: string, direction: CallOutcome["direction"], remote: string, more: Partial<CallOutcome> = {}): CallOutcome => ({
  callId,
  direction,
  local: "sip:x@callpath.test",
  remote,
  established: true,
  setupMs: 100,
  finalStatus: 200,
  reason: null,
  failedStage: null,
  endedBy: null,
  startedAt: 1000,
  endedAt: null,
  ...more,
});

test("each call in progress is hung up once, by its caller, whichever ends are agents here", () => {
  const calls = [
    ["alice", [call("c1", "outgoing", "sip:bob@callpath.test"), call("old", "outgoing", "sip:bob@callpath.test", { endedAt: 2000 })]],
    ["bob", [call("c1", "incoming", "sip:alice@callpath.test"), call("c2", "incoming", "sip:carol@callpath.test", { setupMs: null, established: false })]],
  ] as const;
  assert.deepEqual(callsToEnd(calls), [
    { callId: "c1", caller: "alice", callee: "bob", by: "alice", upSince: 1100 },
    { callId: "c2", caller: "carol", callee: "bob", by: "bob", upSince: null },
  ]);
});

test("with an agent named, only its calls, hung up by it", () => {
  const calls = [
    ["alice", [call("c1", "outgoing", "sip:bob@callpath.test")]],
    ["bob", [call("c1", "incoming", "sip:alice@callpath.test")]],
    ["dave", [call("c3", "outgoing", "sip:erin@callpath.test")]],
  ] as const;
  assert.deepEqual(
    callsToEnd(calls, "bob").map((c) => [c.callId, c.by]),
    [["c1", "bob"]],
  );
  assert.deepEqual(callsToEnd(calls, "erin"), []);
  assert.deepEqual(callsToEnd([]), []);
});
