import { When } from "@cucumber/cucumber";
import type { HoldStyle } from "../src/agent/hold.js";
import type { LabWorld } from "./support/world.js";

// Hold and resume as a desk phone does them: a re-INVITE whose offer says sendonly (the default, the
// holder may play music on hold), inactive, or c=0.0.0.0 (RFC 2543); a resume offers sendrecv again.
When(
  /^(\S+) puts the call on hold(?: with (sendonly|inactive|c=0\.0\.0\.0))?$/,
  { timeout: 60_000 },
  async function (this: LabWorld, ua: string, style?: string) {
    await this.lab.agent(ua).hold((style ?? "sendonly") as HoldStyle, this.lastCall().outcome.callId);
  },
);

When("{node} resumes the call", { timeout: 60_000 }, async function (this: LabWorld, ua: string) {
  await this.lab.agent(ua).hold(null, this.lastCall().outcome.callId);
});
