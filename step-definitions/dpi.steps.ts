import assert from "node:assert/strict";
import { Then } from "@cucumber/cucumber";
import { crossings } from "../src/calls/crossing.js";
import { SAMPLES, type Sample } from "../src/dpi/payloads.js";
import { parseCounters, ruleKey } from "../src/kinds/nat-router/firewall.js";
import { receivedPackets } from "./support/call-media.js";
import type { LabWorld } from "./support/world.js";

function sample(name: string): Sample {
  const s = SAMPLES[name.trim()];
  if (!s) throw new Error(`unknown traffic "${name}"; known: ${Object.keys(SAMPLES).join(", ")}`);
  return s;
}

/** Drops per rule on a router, from its named nft counters (the firewall's, and a VPN gateway's fragment rule). */
export async function firewallCounters(world: LabWorld, router: string): Promise<Record<string, number>> {
  return parseCounters(await world.lab.node(router).exec(["nft", "-j", "list", "counters"]));
}

Then(
  /^(.+) from (\S+) to (\S+) is dropped at (\S+) by (\S+)$/,
  { timeout: 30_000 },
  async function (this: LabWorld, what: string, from: string, to: string, router: string, rule: string) {
    const before = (await firewallCounters(this, router))[ruleKey(rule)] ?? 0;
    const arrived = await crossings(this.lab, from, to, sample(what));
    const after = (await firewallCounters(this, router))[ruleKey(rule)] ?? 0;
    await this.attach(`${what} ${from} → ${to}: ${arrived} arrived; ${router}'s ${rule} counter ${before} → ${after}`, { mediaType: "text/plain" });
    assert.equal(arrived, 0, `${what} crossed ${router}`);
    assert.ok(after > before, `${what} did not arrive, but ${router}'s rule ${rule} counted nothing (${JSON.stringify(await firewallCounters(this, router))})`);
  },
);

Then(
  /^(.+) from (\S+) to (\S+) pass(?:es)? (\S+)$/,
  { timeout: 60_000 },
  async function (this: LabWorld, list: string, from: string, to: string, router: string) {
    const failed: string[] = [];
    for (const what of list.split(/,\s*|\s+and\s+/)) {
      const arrived = await crossings(this.lab, from, to, sample(what));
      if (arrived < 1) failed.push(what);
    }
    assert.equal(
      failed.length,
      0,
      `blocked at ${router}: ${failed.join(", ")}; counters ${JSON.stringify(await firewallCounters(this, router).catch(() => ({})))}`,
    );
  },
);

Then(
  /^of (\d+) (.+) packets from (\S+) to (\S+), exactly the first (\d+) pass (\S+)$/,
  { timeout: 60_000 },
  async function (this: LabWorld, total: string, what: string, from: string, to: string, first: string, router: string) {
    const arrived = await crossings(this.lab, from, to, sample(what), Number(total));
    const counters = await firewallCounters(this, router);
    await this.attach(`${arrived} of ${total} ${what} packets arrived; counters ${JSON.stringify(counters)}`, { mediaType: "text/plain" });
    assert.equal(arrived, Number(first), `${arrived} of ${total} packets passed ${router}; expected the first ${first}`);
    assert.equal(counters[ruleKey("late verdict")], Number(total) - Number(first), "the late verdict should have dropped the rest");
  },
);

Then("the firewall on {node} dropped {word}", async function (this: LabWorld, router: string, rule: string) {
  const counters = await firewallCounters(this, router);
  await this.attach(`${router} firewall counters: ${JSON.stringify(counters)}`, { mediaType: "text/plain", fileName: `${router}-firewall.txt` });
  assert.ok((counters[ruleKey(rule)] ?? 0) > 0, `${router}'s rule ${rule} dropped nothing: ${JSON.stringify(counters)}`);
});

// "Connected, then dropped": audio that flowed stops, in both directions, and stays stopped.
Then("audio stops within {duration}", { timeout: 120_000 }, async function (this: LabWorld, limitMs: number) {
  const { caller, callee, outcome } = this.lastCall();
  const received = (): Promise<number[]> => receivedPackets(this, outcome.callId, [caller, callee]);
  const started = Date.now();
  let last = await received();
  let quietSince: number | null = null;
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const now = await received();
    const moved = now.some((n, i) => n !== last[i]);
    last = now;
    if (moved) quietSince = null;
    else quietSince ??= Date.now() - 500;
    if (quietSince !== null && Date.now() - quietSince >= 2000) break;
    assert.ok(Date.now() - started < limitMs + 2000, `audio was still flowing ${limitMs} ms later (received ${now.join(" / ")} packets)`);
  }
  const stoppedAfter = quietSince - started;
  await this.attach(`audio stopped ${stoppedAfter} ms into the window`, { mediaType: "text/plain" });
  assert.ok(stoppedAfter <= limitMs, `audio stopped after ${stoppedAfter} ms, more than ${limitMs} ms`);
});

Then(
  /^of (\d+) (.+) packets sent (\d+) ms apart from (\S+) to (\S+), about (\d+) seconds? worth pass (\S+)$/,
  { timeout: 60_000 },
  async function (this: LabWorld, total: string, what: string, gap: string, from: string, to: string, seconds: string, router: string) {
    const arrived = await crossings(this.lab, from, to, sample(what), Number(total), Number(gap));
    const counters = await firewallCounters(this, router);
    const expected = (Number(seconds) * 1000) / Number(gap);
    await this.attach(`${arrived} of ${total} ${what} packets arrived (about ${expected} expected); counters ${JSON.stringify(counters)}`, {
      mediaType: "text/plain",
    });
    // Timer pacing in a loaded container is not exact (the by-packets verdict is the exact one): half either way.
    assert.ok(arrived >= expected / 2 && arrived <= expected * 1.5, `${arrived} of ${total} packets passed ${router}; expected about ${expected}`);
    assert.equal(counters[ruleKey("late verdict")], Number(total) - arrived, "the late verdict should have dropped the rest");
  },
);
