import assert from "node:assert/strict";
import { Given, Then, When } from "@cucumber/cucumber";
import { sightings, sipServerOf } from "./support/sip-server-log.js";
import { pollUntil } from "../src/common/retry.js";
import { awaitFailedStage } from "./support/call-media.js";
import type { LabWorld } from "./support/world.js";

Given("{node} is registered", async function (this: LabWorld, ua: string) {
  const r = await this.lab.agent(ua).register();
  assert.ok(r.registered, `${ua} did not register: ${r.failedStage} ${r.status ?? ""} ${r.reason ?? ""}`);
});

Given("{node} and {node} are registered", async function (this: LabWorld, a: string, b: string) {
  const [ra, rb] = await Promise.all([this.lab.agent(a).register(), this.lab.agent(b).register()]);
  assert.ok(ra.registered, `${a} did not register: ${ra.failedStage} ${ra.status ?? ""} ${ra.reason ?? ""}`);
  assert.ok(rb.registered, `${b} did not register: ${rb.failedStage} ${rb.status ?? ""} ${rb.reason ?? ""}`);
});

When("{node} calls {node}", { timeout: 90_000 }, async function (this: LabWorld, caller: string, callee: string) {
  const outcome = await this.lab.agent(caller).call(callee);
  this.calls.push({ caller, callee, outcome, observed: false });
});

Then("the call is established within {duration}", function (this: LabWorld, limitMs: number) {
  const { outcome, caller, callee } = this.lastCall();
  assert.ok(
    outcome.established,
    `${caller} → ${callee} was not established: ${outcome.failedStage} (${outcome.finalStatus ?? "no response"} ${outcome.reason ?? ""})`,
  );
  assert.ok(outcome.setupMs !== null && outcome.setupMs <= limitMs, `set-up took ${outcome.setupMs} ms, more than ${limitMs} ms`);
});

When("{node} hangs up", async function (this: LabWorld, ua: string) {
  await this.lab.agent(ua).hangup();
});

Then("{node} sees the call ended by the other side", async function (this: LabWorld, ua: string) {
  const callId = this.lastCall().outcome.callId;
  const call = await pollUntil(
    async () => (await this.lab.agent(ua).calls()).find((c) => c.callId === callId),
    (c) => c?.endedBy === "remote",
    5000,
  );
  assert.equal(call?.endedBy, "remote", `${ua} never saw the call ${callId} end (state: ${JSON.stringify(call)})`);
});

Then("the SIP server saw {node}'s {word} arrive from {node}'s public address", async function (this: LabWorld, ua: string, method: string, router: string) {
  const publicAddress = this.lab.publicAddressOf(router);
  const seen = await sightings(this, sipServerOf(this, ua), ua, method, true);
  assert.ok(seen.length > 0, `the SIP server logged no ${method} from ${ua}`);
  for (const s of seen)
    assert.equal(s.source.split(":")[0], publicAddress, `${method} from ${ua} arrived from ${s.source}, not from ${router}'s public address ${publicAddress}`);
});

Then("the call fails with status {int}", function (this: LabWorld, status: number) {
  const { outcome, caller, callee } = this.lastCall();
  assert.equal(outcome.established, false, `${caller} → ${callee} was established, expected a ${status}`);
  assert.equal(outcome.failedStage, "rejected", `expected a rejection, got ${outcome.failedStage}`);
  assert.equal(outcome.finalStatus, status, `expected ${status}, got ${outcome.finalStatus} ${outcome.reason ?? ""}`);
});

// A phone's RTP timeout (the agent's rtpTimeout): signalling succeeded, and the outcome names the media.
Then("the call fails with no media within {duration}", { timeout: 120_000 }, async function (this: LabWorld, limitMs: number) {
  const entry = this.lastCall();
  await awaitFailedStage(this, entry, limitMs);
  assert.equal(entry.outcome.established, true, `the call was never established: ${entry.outcome.failedStage} ${entry.outcome.reason ?? ""}`);
  assert.equal(
    entry.outcome.failedStage,
    "no-media",
    `expected the outcome "no-media" within ${limitMs} ms; got ${entry.outcome.failedStage ?? "no failure"} ${entry.outcome.reason ?? ""}`,
  );
  await this.attach(`${entry.caller}: ${entry.outcome.reason}`, { mediaType: "text/plain", fileName: "no-media.txt" });
});

// RFC 3261 Timer B: an INVITE over UDP that gets no answer at all fails after 64·T1 = 32 s.
Then("the call gets no response, after about {int} seconds", function (this: LabWorld, seconds: number) {
  const { outcome, caller, callee } = this.lastCall();
  assert.equal(outcome.established, false, `${caller} → ${callee} was established`);
  assert.equal(outcome.failedStage, "no-response", `expected no response; got ${outcome.failedStage} ${outcome.finalStatus ?? ""} ${outcome.reason ?? ""}`);
  const took = ((outcome.endedAt ?? Date.now()) - outcome.startedAt) / 1000;
  assert.ok(Math.abs(took - seconds) <= Math.max(3, seconds * 0.15), `the caller gave up after ${took.toFixed(1)} s, not about ${seconds} s`);
});

Then("the SIP server never saw {node}'s {word}", async function (this: LabWorld, ua: string, method: string) {
  // The positive control: the server's log is read, and it has what came before (the agent registered).
  if (method !== "REGISTER")
    assert.ok(
      (await sightings(this, sipServerOf(this, ua), ua, "REGISTER", true)).length > 0,
      `the SIP server's log shows no REGISTER from ${ua} either: is it read as the server writes it?`,
    );
  const seen = await sightings(this, sipServerOf(this, ua), ua, method, false);
  assert.equal(seen.length, 0, `the SIP server saw ${seen.length} ${method}(s) from ${ua}: ${seen.map((s) => s.source).join(", ")}`);
});

// The caller got its 2xx but could not use the SDP in it: the call never established, and the outcome
// carries the media stack's own reason (libwebrtc's, for a WebRTC agent).
Then("the call fails on the answer's SDP", async function (this: LabWorld) {
  const { outcome, caller, callee } = this.lastCall();
  assert.equal(outcome.established, false, `${caller} → ${callee} was established`);
  assert.equal(outcome.failedStage, "sdp", `expected the answer's SDP to fail; got ${outcome.failedStage ?? "no failure"} ${outcome.reason ?? ""}`);
  await this.attach(`${caller}: ${outcome.finalStatus} ${outcome.reason}`, { mediaType: "text/plain", fileName: "sdp-failure.txt" });
});
