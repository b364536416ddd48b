import assert from "node:assert/strict";
import { Then } from "@cucumber/cucumber";
import { assessDirection, formatDirection } from "../src/calls/media-check.js";
import { toneOf } from "../src/kinds/user-agent/index.js";
import type { LabWorld } from "./support/world.js";

Then("audio flows both ways for {duration}", { timeout: 120_000 }, async function (this: LabWorld, windowMs: number) {
  const { caller, callee, outcome } = this.lastCall();
  const snap = async (ua: string) => (await this.lab.agent(ua).media()).find((m) => m.callId === outcome.callId)?.rtp;
  const [a0, b0] = await Promise.all([snap(caller), snap(callee)]);
  const started = Date.now();
  await new Promise((r) => setTimeout(r, windowMs));
  const [a1, b1] = await Promise.all([snap(caller), snap(callee)]);
  const measured = Date.now() - started;
  assert.ok(a1 && b1, `no media session for call ${outcome.callId} on ${a1 ? callee : caller}`);
  const topo = this.lab.topology;
  const reports = [
    assessDirection(callee, caller, a0, a1, measured, toneOf(callee, topo)),
    assessDirection(caller, callee, b0, b1, measured, toneOf(caller, topo)),
  ];
  await this.attach(reports.map(formatDirection).join("\n"), { mediaType: "text/plain", fileName: "media.txt" });
  const problems = reports.filter((r) => r.problems.length > 0);
  assert.equal(problems.length, 0, `audio did not flow both ways:\n${problems.map(formatDirection).join("\n")}`);
});
