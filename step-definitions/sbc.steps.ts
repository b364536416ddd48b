import assert from "node:assert/strict";
import { Then } from "@cucumber/cucumber";
import type { LabWorld } from "./support/world.js";

const hostOf = (endpoint: string | null | undefined): string | undefined => endpoint?.slice(0, endpoint.lastIndexOf(":"));

// Where each end's media goes and comes from, as the end itself sees it: a phone's RTP socket, a WebRTC
// agent's selected candidate pair. Through a relay, both ends see the relay and never each other.
Then("both ends of the call exchange media with {node}", async function (this: LabWorld, relay: string) {
  const { caller, callee, outcome } = this.lastCall();
  const address = this.lab.addressOf(relay);
  const lines: string[] = [];
  for (const ua of [caller, callee]) {
    const rtp = (await this.lab.agent(ua).media()).find((m) => m.callId === outcome.callId)?.rtp;
    assert.ok(rtp, `${ua} has no media session for call ${outcome.callId}`);
    lines.push(`${ua}: sends to ${rtp.remote ?? "nowhere"}, receives from ${rtp.received.source ?? "nobody"}`);
    assert.equal(hostOf(rtp.remote), address, `${ua} sends its media to ${rtp.remote}, not to ${relay} (${address})`);
    assert.equal(hostOf(rtp.received.source), address, `${ua} receives its media from ${rtp.received.source}, not from ${relay} (${address})`);
  }
  await this.attach(lines.join("\n"), { mediaType: "text/plain", fileName: "media-endpoints.txt" });
});
