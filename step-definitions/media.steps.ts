import assert from "node:assert/strict";
import { Then } from "@cucumber/cucumber";
import { assessDirection, formatDirection, receiverWindowMs, type DirectionReport } from "../src/calls/media-check.js";
import { toneOf } from "../src/kinds/user-agent/index.js";
import type { LabWorld } from "./support/world.js";

/** Both directions of the last call over a window: [callee→caller, caller→callee], attached as evidence. */
async function measure(world: LabWorld, windowMs: number): Promise<{ caller: string; callee: string; reports: [DirectionReport, DirectionReport] }> {
  const { caller, callee, outcome } = world.lastCall();
  const snap = async (ua: string) => (await world.lab.agent(ua).media()).find((m) => m.callId === outcome.callId)?.rtp;
  const [a0, b0] = await Promise.all([snap(caller), snap(callee)]);
  const started = Date.now();
  await new Promise((r) => setTimeout(r, windowMs));
  const [a1, b1] = await Promise.all([snap(caller), snap(callee)]);
  const measured = Date.now() - started;
  assert.ok(a1 && b1, `no media session for call ${outcome.callId} on ${a1 ? callee : caller}`);
  const topo = world.lab.topology;
  const reports: [DirectionReport, DirectionReport] = [
    assessDirection(callee, caller, a0, a1, receiverWindowMs(a0, a1, measured), toneOf(callee, topo)),
    assessDirection(caller, callee, b0, b1, receiverWindowMs(b0, b1, measured), toneOf(caller, topo)),
  ];
  await world.attach(reports.map(formatDirection).join("\n"), { mediaType: "text/plain", fileName: "media.txt" });
  return { caller, callee, reports };
}

Then("audio flows both ways for {duration}", { timeout: 120_000 }, async function (this: LabWorld, windowMs: number) {
  const { reports } = await measure(this, windowMs);
  const problems = reports.filter((r) => r.problems.length > 0);
  assert.equal(problems.length, 0, `audio did not flow both ways:\n${problems.map(formatDirection).join("\n")}`);
});

Then(
  "audio flows from {node} to {node} but none comes back for {duration}",
  { timeout: 120_000 },
  async function (this: LabWorld, from: string, to: string, windowMs: number) {
    const { caller, reports } = await measure(this, windowMs);
    const [toCaller, toCallee] = reports;
    const forward = from === caller ? toCallee : toCaller;
    const back = from === caller ? toCaller : toCallee;
    assert.equal(forward.problems.length, 0, `audio from ${from} to ${to} should flow:\n${formatDirection(forward)}`);
    assert.equal(back.received, 0, `audio came back from ${to} to ${from}:\n${formatDirection(back)}`);
  },
);

Then("{node} dropped RTP from an address the signalling did not name", async function (this: LabWorld, ua: string) {
  const { outcome } = this.lastCall();
  const rtp = (await this.lab.agent(ua).media()).find((m) => m.callId === outcome.callId)?.rtp;
  assert.ok(rtp, `${ua} has no media session for call ${outcome.callId}`);
  await this.attach(`${ua}: ${rtp.strictDrops ?? 0} RTP packets dropped (not from ${rtp.remote ?? "the signalled address"})`, { mediaType: "text/plain" });
  assert.ok((rtp.strictDrops ?? 0) > 0, `${ua} dropped no RTP for coming from elsewhere (strictMediaSource on?)`);
});
