import assert from "node:assert/strict";
import { test } from "node:test";
import { inviteTransactionsSettled, reinviteRetryDelayMs, type ReinviteSession } from "./reinvite.js";

test("a re-INVITE on an answered call waits for the call's ACK", async () => {
  // The callee's view right after its 200 OK: Established for sip.js, but the dialog still awaits the ACK.
  const session = { state: "Established", dialog: { sessionState: "AckWait" } };
  let done = false;
  const waiting = inviteTransactionsSettled(session, 5).then(() => (done = true));
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(done, false, "went ahead before the ACK");
  session.dialog.sessionState = "Confirmed";
  await waiting;
  assert.equal(done, true);
});

test("a re-INVITE right after the far end's waits for that one's ACK", async () => {
  const dialog: { sessionState: string; reinviteUserAgentServer?: object } = { sessionState: "Confirmed", reinviteUserAgentServer: {} };
  let done = false;
  const waiting = inviteTransactionsSettled({ state: "Established", dialog }, 5).then(() => (done = true));
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(done, false, "went ahead before the far end's re-INVITE was ACKed");
  dialog.reinviteUserAgentServer = undefined;
  await waiting;
  await assert.rejects(
    inviteTransactionsSettled({ state: "Established", dialog: { sessionState: "Confirmed", reinviteUserAgentClient: {} } }, 5, 20),
    /previous re-INVITE was never answered within 20 ms/,
  );
});

test("a placed call, or one already ACKed, goes at once; an ended one, or an ACK that never comes, fails", async () => {
  await inviteTransactionsSettled({ state: "Established", dialog: { sessionState: "Confirmed" } });
  await inviteTransactionsSettled({ state: "Established", dialog: undefined } satisfies ReinviteSession);
  // sip.js hangs the call up itself when the ACK never comes (64 × T1).
  const hungUp = { state: "Established", dialog: { sessionState: "AckWait" } };
  setTimeout(() => Object.assign(hungUp, { state: "Terminated", dialog: { sessionState: "Terminated" } }), 20);
  await assert.rejects(inviteTransactionsSettled(hungUp, 5), /call ended \(Terminated\) before the re-INVITE/);
  await assert.rejects(inviteTransactionsSettled({ state: "Established", dialog: { sessionState: "AckWait" } }, 5, 30), /never ACKed within 30 ms/);
});

test("a 491 is retried after RFC 3261's random wait, the caller's longer than the callee's", () => {
  assert.equal(
    reinviteRetryDelayMs(491, undefined, true, () => 0),
    2100,
  );
  assert.equal(
    reinviteRetryDelayMs(491, undefined, true, () => 0.999999),
    3990,
  );
  assert.equal(
    reinviteRetryDelayMs(491, undefined, false, () => 0),
    0,
  );
  assert.equal(
    reinviteRetryDelayMs(491, undefined, false, () => 0.5),
    1000,
  );
  for (let i = 0; i < 100; i++) assert.equal(reinviteRetryDelayMs(491, undefined, false)! % 10, 0);
});

test("a 500 is retried after its Retry-After only; anything else is final", () => {
  assert.equal(reinviteRetryDelayMs(500, "3", false), 3000);
  assert.equal(reinviteRetryDelayMs(500, " 7 ;duration=60", true), 7000);
  assert.equal(reinviteRetryDelayMs(500, undefined, true), null);
  assert.equal(reinviteRetryDelayMs(500, "soon", true), null);
  assert.equal(reinviteRetryDelayMs(488, "3", true), null);
  assert.equal(reinviteRetryDelayMs(481, undefined, false), null);
});
