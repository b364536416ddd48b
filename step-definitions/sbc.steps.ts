import assert from "node:assert/strict";
import { Then } from "@cucumber/cucumber";
import { negotiatedCodec } from "../src/calls/negotiated-codec.js";
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

// Each end's codec from the answer in its own SIP trace: through a transcoding relay the two can differ.
Then("the call carries {word} at {node} and {word} at {node}", async function (this: LabWorld, codecA: string, a: string, codecB: string, b: string) {
  const { outcome } = this.lastCall();
  const seen: string[] = [];
  for (const [ua, want] of [
    [a, codecA],
    [b, codecB],
  ] as const) {
    const codec = negotiatedCodec(await this.lab.agent(ua).trace(outcome.callId), outcome.callId);
    seen.push(`${ua}: ${codec ?? "no answer with SDP"}`);
    assert.equal(codec?.toLowerCase(), want.toLowerCase(), `the call carries ${codec ?? "no codec"} at ${ua}, not ${want}`);
  }
  await this.attach(seen.join("\n"), { mediaType: "text/plain", fileName: "codecs.txt" });
});
