import assert from "node:assert/strict";
import { Given, Then, When } from "@cucumber/cucumber";
import { describeCandidate, reachedAfter, type IceReport, type RtpStats, type TurnTransport } from "../src/calls/ice-report.js";
import { formatQuality, summarise } from "../src/calls/media-quality.js";
import { contains, parseCidr, parseIp } from "../src/common/ipv4.js";
import { pollUntil } from "../src/common/retry.js";
import { awaitFailedStage, receivedPackets } from "./support/call-media.js";
import type { LabWorld } from "./support/world.js";

/** `agent`'s ICE report for call `callId`; fails when the agent has none (not a WebRTC agent). */
async function iceOf(world: LabWorld, agent: string, callId: string): Promise<IceReport> {
  const report = (await world.lab.agent(agent).ice(callId)).find((r) => r.callId === callId)?.ice;
  assert.ok(report, `${agent} has no WebRTC media for call ${callId} (is it a WebRTC agent: sip.transport ws or wss?)`);
  return report;
}

/** Polls `agent`'s ICE report until `done` holds or `limitMs` passes; returns the last report either way. */
const waitFor = (world: LabWorld, agent: string, callId: string, limitMs: number, done: (r: IceReport) => boolean): Promise<IceReport> =>
  pollUntil(() => iceOf(world, agent, callId), done, limitMs);

const selectedText = (r: IceReport): string => (r.selected ? `${describeCandidate(r.selected.local)} ⇄ ${describeCandidate(r.selected.remote)}` : "none");

Given("{node} uses only relay candidates over {turnTransport}", async function (this: LabWorld, agent: string, transport: TurnTransport) {
  await this.lab.agent(agent).setIcePolicy({ iceTransportPolicy: "relay", turnTransports: [transport] });
});

Given("the TURN server {node} is down", async function (this: LabWorld, node: string) {
  await this.lab.stopService(node);
});

/** The agents' ICE (both ends of the last call, unless named) reaching any of `states` within `limitMs` of their first timeline entry. */
async function iceReaches(world: LabWorld, states: readonly string[], limitMs: number, only?: string): Promise<void> {
  const { caller, callee, outcome } = world.lastCall();
  const first = (r: IceReport, t0: number): number | null =>
    states.map((s) => reachedAfter(r, "ice", s, t0)).reduce<number | null>((a, b) => (b === null ? a : a === null ? b : Math.min(a, b)), null);
  const named = states.map((s) => `"${s}"`).join(" or ");
  for (const agent of only ? [only] : [caller, callee]) {
    const r = await waitFor(world, agent, outcome.callId, limitMs + 1000, (x) => first(x, 0) !== null);
    const after = first(r, r.timeline[0]?.at ?? 0);
    assert.ok(after !== null, `${agent}'s ICE never reached ${named} (now ${r.iceState}; selected pair ${selectedText(r)})`);
    assert.ok(after <= limitMs, `${agent}'s ICE reached ${named} after ${after} ms, more than ${limitMs} ms`);
  }
}

Then("ICE reaches {string} within {duration}", { timeout: 120_000 }, async function (this: LabWorld, state: string, limitMs: number) {
  await iceReaches(this, [state], limitMs);
});

// One end only: the other may be a classic phone, which has no ICE (a call through an SBC). A full-ICE
// peer (rtpengine) lets the controlling agent reach "completed".
Then(
  "{node}'s ICE reaches {string} or {string} within {duration}",
  { timeout: 120_000 },
  async function (this: LabWorld, agent: string, a: string, b: string, limitMs: number) {
    await iceReaches(this, [a, b], limitMs, agent);
  },
);

// libwebrtc may go from connected straight to failed when consent checks stop being answered.
Then("ICE reaches {string} or {string} within {duration}", { timeout: 120_000 }, async function (this: LabWorld, a: string, b: string, limitMs: number) {
  await iceReaches(this, [a, b], limitMs);
});

/**
 * libwebrtc selects the first pair that works, often a relay one, and moves to a better pair once its
 * checks succeed (the timeline's "selected-pair" entries show each move): allow the pair to settle.
 */
const SETTLE_MS = 5000;
const direct = (r: IceReport): boolean => r.selected !== null && r.selected.local.type !== "relay" && r.selected.remote.type !== "relay";

Then("the call's media goes direct, without a relay", async function (this: LabWorld) {
  const { caller, callee, outcome } = this.lastCall();
  for (const agent of [caller, callee]) {
    const r = await waitFor(this, agent, outcome.callId, SETTLE_MS, direct);
    assert.ok(r.selected, `${agent} has no selected candidate pair (ICE ${r.iceState})`);
    assert.ok(r.selected.local.type !== "relay" && r.selected.remote.type !== "relay", `${agent}'s media goes through a relay: ${selectedText(r)}`);
  }
});

Then("the call's media goes through the TURN relay", async function (this: LabWorld) {
  const { caller, callee, outcome } = this.lastCall();
  for (const agent of [caller, callee]) {
    const r = await iceOf(this, agent, outcome.callId);
    assert.ok(r.selected, `${agent} has no selected candidate pair (ICE ${r.iceState})`);
    assert.ok(r.selected.local.type === "relay" || r.selected.remote.type === "relay", `${agent}'s media goes direct: ${selectedText(r)}`);
  }
});

/** `agent`'s selected pair is a local relay reached over one of `transports`. */
async function relayOver(world: LabWorld, agent: string, transports: readonly TurnTransport[]): Promise<void> {
  const r = await iceOf(world, agent, world.lastCall().outcome.callId);
  assert.ok(r.selected, `${agent} has no selected candidate pair (ICE ${r.iceState})`);
  assert.equal(r.selected.local.type, "relay", `${agent}'s selected pair is not local relay: ${selectedText(r)}`);
  assert.ok(
    (transports as readonly (string | undefined)[]).includes(r.selected.local.relayProtocol),
    `${agent} reaches its relay over ${r.selected.local.relayProtocol}, not ${transports.join(" or ")}: ${selectedText(r)}`,
  );
}

// An app configured with several TURN transports: which of them wins is libwebrtc's choice, not the network's.
Then(
  "{node}'s selected candidate pair is relay over {turnTransport} or {turnTransport}",
  async function (this: LabWorld, agent: string, a: TurnTransport, b: TurnTransport) {
    await relayOver(this, agent, [a, b]);
  },
);

Then("{node}'s selected candidate pair is relay over {turnTransport}", async function (this: LabWorld, agent: string, transport: TurnTransport) {
  await relayOver(this, agent, [transport]);
});

Then("the call fails at ICE within {duration}", { timeout: 120_000 }, async function (this: LabWorld, limitMs: number) {
  const entry = this.lastCall();
  await awaitFailedStage(this, entry, limitMs);
  const r = await iceOf(this, entry.caller, entry.outcome.callId);
  assert.equal(
    entry.outcome.failedStage,
    "ice",
    `expected an ICE failure within ${limitMs} ms; outcome: ${entry.outcome.failedStage ?? "no failure"} (ICE ${r.iceState}, pair ${selectedText(r)})`,
  );
  assert.ok(!["connected", "completed"].includes(r.iceState), `the outcome says ICE failed but ICE is ${r.iceState}`);
  assert.equal(r.selected, null, `ICE failed yet a pair is selected: ${selectedText(r)}`);
  await this.attach(`${entry.caller}: ${entry.outcome.reason}`, { mediaType: "text/plain", fileName: "ice-failure.txt" });
});

Then("no media flows for {duration}", { timeout: 120_000 }, async function (this: LabWorld, windowMs: number) {
  const { caller, callee, outcome } = this.lastCall();
  const before = await receivedPackets(this, outcome.callId, [caller, callee]);
  await new Promise((res) => setTimeout(res, windowMs));
  const after = await receivedPackets(this, outcome.callId, [caller, callee]);
  assert.deepEqual(
    after.map((n, i) => n - before[i]!),
    [0, 0],
    `media flowed: ${caller} received ${after[0]! - before[0]!} and ${callee} ${after[1]! - before[1]!} packets in ${windowMs} ms`,
  );
});

// Quality of the current call over a window, kept under a label so that a later call in the same
// scenario (same network, another transport) can be compared with it.
When("the call's media quality is measured for {duration} as {string}", { timeout: 120_000 }, async function (this: LabWorld, windowMs: number, label: string) {
  const { caller, callee, outcome } = this.lastCall();
  const samples: Record<string, RtpStats[]> = { [caller]: [], [callee]: [] };
  const end = Date.now() + windowMs;
  while (Date.now() < end) {
    for (const agent of [caller, callee]) {
      const rtp = (await iceOf(this, agent, outcome.callId)).rtp;
      if (rtp) samples[agent]!.push(rtp);
    }
    await new Promise((res) => setTimeout(res, 250));
  }
  const q = { [caller]: summarise(samples[caller]!), [callee]: summarise(samples[callee]!) };
  this.quality.set(label, q);
  await this.attach([caller, callee].map((a) => formatQuality(label, a, q[a]!)).join("\n"), { mediaType: "text/plain", fileName: `quality-${label}.txt` });
});

Then("{string} loses fewer packets than {string} at {node} and {node}", function (this: LabWorld, better: string, worse: string, a: string, b: string) {
  const w = this.quality.get(worse);
  const g = this.quality.get(better);
  assert.ok(
    w && g,
    `measure both calls first ("the call's media quality is measured for ... as ..."); measured: ${[...this.quality.keys()].join(", ") || "none"}`,
  );
  for (const agent of [a, b]) {
    assert.ok(w[agent] && g[agent], `${agent} took no part in both measured calls`);
    assert.ok(
      g[agent]!.lost < w[agent]!.lost,
      `${agent}: ${formatQuality(better, agent, g[agent]!)} — not fewer lost than ${formatQuality(worse, agent, w[agent]!)}`,
    );
  }
});

// A VPN client on the agent's host: the tunnel's address is one more interface for ICE to offer.
Then("{node}'s host candidates include its tunnel address", async function (this: LabWorld, agent: string) {
  const r = await iceOf(this, agent, this.lastCall().outcome.callId);
  const vpn = (this.lab.topology.nodes.get(agent)?.spec as { vpn?: { server: string } } | undefined)?.vpn;
  assert.ok(vpn, `${agent} has no VPN client (user-agent vpn)`);
  const subnet = (this.lab.topology.nodes.get(vpn.server)!.spec as { subnet: string }).subnet;
  const c = parseCidr(subnet)!;
  const hosts = r.localCandidates.filter((x) => x.type === "host");
  await this.attach(`${agent}'s host candidates: ${hosts.map(describeCandidate).join(", ")}; selected pair ${selectedText(r)}`, {
    mediaType: "text/plain",
    fileName: `candidates-${agent}.txt`,
  });
  assert.ok(
    hosts.some((h) => {
      const ip = parseIp(h.address);
      return ip !== null && contains(c, ip);
    }),
    `no host candidate of ${agent} is on the tunnel (${subnet}): ${hosts.map(describeCandidate).join(", ")}`,
  );
});
