import assert from "node:assert/strict";
import { Then } from "@cucumber/cucumber";
import { answerTiming, type AnswerTiming } from "../src/calls/answer-timing.js";
import { receivedAudioAddress } from "../src/calls/received-sdp.js";
import { pollUntil } from "../src/common/retry.js";
import type { LabWorld } from "./support/world.js";

// What arrived after a call was answered, read from the answering agent's own trace: the ACK for its
// 200 OK, and when a BYE ended the call (a UAS with no ACK for 32 s hangs up, RFC 3261 §13.3.1.4).
async function answered(world: LabWorld, ua: string): Promise<AnswerTiming> {
  const { callId } = world.lastCall().outcome;
  const t = answerTiming(await world.lab.agent(ua).trace(), callId);
  assert.ok(t, `${ua} sent no 200 OK to the INVITE of the last call (${callId}): it did not answer it`);
  return t;
}

Then("{node} never received an ACK for its 200 OK", async function (this: LabWorld, ua: string) {
  const t = await answered(this, ua);
  assert.equal(t.ackAt, null, `${ua} received the ACK ${t.ackAt! - t.answeredAt} ms after its 200 OK`);
  // Waiting for it shows in the trace: the 200 OK went out again (T1, 2·T1, … up to T2).
  assert.ok(t.answersSent > 1, `${ua} sent its 200 OK only once: it was not waiting for an ACK`);
});

Then("{node} received an ACK for its 200 OK within {int} second(s)", async function (this: LabWorld, ua: string, seconds: number) {
  // The caller's "established" comes before the ACK reaches the phone: read until the ACK is there or
  // the time allowed since the 200 OK has passed, then judge by the trace's own timestamps.
  const first = await answered(this, ua);
  const left = first.answeredAt + seconds * 1000 - Date.now();
  const t =
    left > 0
      ? await pollUntil(
          () => answered(this, ua),
          (x) => x.ackAt !== null,
          left + 250,
        )
      : first;
  assert.ok(t.ackAt !== null, `${ua} received no ACK for its 200 OK (sent ${t.answersSent} time(s))`);
  assert.ok(t.ackAt - t.answeredAt <= seconds * 1000, `${ua}'s ACK came ${t.ackAt - t.answeredAt} ms after its 200 OK`);
});

Then("{node} hung up about {int} seconds after its 200 OK", async function (this: LabWorld, ua: string, seconds: number) {
  const t = await answered(this, ua);
  assert.ok(t.byeSentAt !== null, `${ua} sent no BYE after its 200 OK`);
  const took = (t.byeSentAt - t.answeredAt) / 1000;
  assert.ok(Math.abs(took - seconds) <= Math.max(3, seconds * 0.15), `${ua} hung up ${took.toFixed(1)} s after its 200 OK, not about ${seconds} s`);
});

Then("{node} received a BYE for the call", async function (this: LabWorld, ua: string) {
  const { callId } = this.lastCall().outcome;
  const byes = (await this.lab.agent(ua).trace()).filter((e) => e.callId === callId && e.direction === "received" && e.firstLine.startsWith("BYE "));
  assert.ok(byes.length > 0, `${ua} received no BYE for the last call (${callId})`);
});

// Where the SDP that arrived told the agent to send audio: a node's own (private) address, or a router's
// public one (as the existing "arrive from <router>'s public address" names it).
Then("the SDP {node} received names {node}'s {word} address", async function (this: LabWorld, ua: string, node: string, which: string) {
  const { callId } = this.lastCall().outcome;
  const want = which === "private" ? this.lab.addressOf(node) : which === "public" ? this.lab.publicAddressOf(node) : undefined;
  assert.ok(want, `"${which}" is not an address a step names: private | public`);
  const got = receivedAudioAddress(await this.lab.agent(ua).trace(), callId);
  assert.equal(got, want, `the SDP ${ua} received names ${got ?? "no audio address"}, not ${node}'s ${which} address ${want}`);
});
