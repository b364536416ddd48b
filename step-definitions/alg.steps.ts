import assert from "node:assert/strict";
import { Given, Then, When } from "@cucumber/cucumber";
import { diffSip, formatDiff, type DiffField } from "../src/alg/mirror-diff.js";
import { isPrivateLiteral } from "../src/alg/rewriter.js";
import { reachableFrom, sendDatagram, strayOptions } from "../src/calls/udp-reachability.js";
import { formatVerdict } from "../src/alg/alg-service.js";
import { algVerdicts, withAlg } from "../src/kinds/nat-router/alg-channel.js";
import { pollUntil } from "../src/common/retry.js";
import { readMirrorResponse } from "../src/mirror/mirror-response.js";
import { natDetections, sightings, sipServerOf } from "./support/sip-server-log.js";
import type { LabWorld } from "./support/world.js";

// Field names as a support engineer says them → what the mirror diff compares.
const FIELDS: Readonly<Record<string, readonly DiffField[]>> = {
  via: ["via"],
  contact: ["contact"],
  sdp: ["sdp-origin", "sdp-connection"],
  "sdp origin": ["sdp-origin"],
  "sdp connection": ["sdp-connection"],
  "sdp media port": ["sdp-media-port"],
  "request-uri": ["request-uri"],
  from: ["from"],
  to: ["to"],
};

function fieldList(text: string): DiffField[] {
  return text.split(/,\s*|\s+and\s+/).flatMap((name) => {
    const fields =
      FIELDS[
        name
          .trim()
          .toLowerCase()
          .replace(/^the\s+/, "")
      ];
    if (!fields) throw new Error(`unknown field "${name}"; known: ${Object.keys(FIELDS).join(", ")}`);
    return fields;
  });
}

const publicAddress = (world: LabWorld, router: string): string => world.lab.publicAddressOf(router);

When("{node} probes the SIP mirror {node}", async function (this: LabWorld, ua: string, mirror: string) {
  const { sent, response } = await this.lab.agent(ua).probe(`${this.lab.addressOf(mirror)}:5060`);
  assert.ok(response, `the mirror ${mirror} never answered ${ua}'s probe: something on the path dropped it`);
  const arrived = readMirrorResponse(response);
  assert.ok(arrived, `${ua}'s probe got an answer that is not the mirror's:\n${response}`);
  this.probes.set(ua, { sent, ...arrived });
  await this.attach(`${ua} → ${mirror} (arrived from ${arrived.source})\n${formatDiff(diffSip(sent, arrived.received))}`, {
    mediaType: "text/plain",
    fileName: `mirror-${ua}.txt`,
  });
});

function lastDiff(world: LabWorld) {
  const [ua, probe] = [...world.probes.entries()].pop() ?? [];
  assert.ok(ua && probe, "no agent has probed the SIP mirror in this scenario");
  return { ua, probe, diff: diffSip(probe.sent, probe.received) };
}

Then(/^the ALG on (\S+) rewrote (.+?)(?: but not (.+))?$/, function (this: LabWorld, router: string, rewritten: string, kept: string | undefined) {
  const { diff } = lastDiff(this);
  const wan = publicAddress(this, router);
  const problems: string[] = [];
  for (const f of fieldList(rewritten)) {
    const c = diff.fields.find((x) => x.field === f)!;
    // Address fields must now carry the router's public address, not merely differ.
    const carries = f === "sdp-media-port" || (c.received ?? "").includes(wan);
    if (!c.changed || !carries) problems.push(`${f} was expected rewritten to ${router}'s ${wan}: sent ${c.sent}, arrived ${c.received}`);
  }
  for (const f of kept ? fieldList(kept) : []) {
    const c = diff.fields.find((x) => x.field === f)!;
    if (c.changed) problems.push(`${f} was expected untouched: sent ${c.sent}, arrived ${c.received}`);
  }
  assert.equal(problems.length, 0, `${problems.join("\n")}\n\n${formatDiff(diff)}`);
});

Then("the ALG rewrote nothing", function (this: LabWorld) {
  const { diff } = lastDiff(this);
  assert.ok(
    diff.fields.every((f) => !f.changed),
    `something on the path rewrote the probe:\n${formatDiff(diff)}`,
  );
});

Then("the SDP media port arrived unchanged", function (this: LabWorld) {
  const c = lastDiff(this).diff.fields.find((x) => x.field === "sdp-media-port")!;
  assert.equal(c.received, c.sent, `m= port changed: sent ${c.sent}, arrived ${c.received}`);
});

Then("Content-Length {word} the body that arrived", function (this: LabWorld, verb: string) {
  const { diff } = lastDiff(this);
  const matches = verb === "matches";
  assert.ok(["matches", "contradicts"].includes(verb), `say "matches" or "contradicts", not "${verb}"`);
  assert.equal(
    diff.contentLengthMatchesBody,
    matches,
    `Content-Length ${diff.contentLengthMatchesBody ? "matches" : "does not match"} the body:\n${formatDiff(diff)}`,
  );
});

Then(/^the SIP server (saw|did not see) (\S+) as behind NAT$/, async function (this: LabWorld, verdict: string, router: string) {
  const wan = publicAddress(this, router);
  const { detections, requestsFrom } = await natDetections(this, wan, verdict === "saw");
  if (verdict === "saw") assert.ok(detections.length > 0, `the SIP server never detected NAT on requests from ${router} (${wan})`);
  else {
    // The positive control: requests from the router did arrive and were logged, so silence means something.
    assert.ok(requestsFrom > 0, `the SIP server logged no request from ${router} (${wan}) at all`);
    assert.equal(detections.length, 0, `the SIP server detected NAT on requests from ${router}:\n${detections.join("\n")}`);
  }
});

// A response is named by its status and CSeq method, as the ALG logs it: "a rewritten 200 INVITE".
Then(/^(\S+)'s ALG log shows an? (rewritten|dropped|passed) (\d{3} \S+|\S+)$/, async function (this: LabWorld, router: string, action: string, method: string) {
  const want = action === "rewritten" ? "rewrite" : action === "dropped" ? "drop" : "pass";
  const reinvite = method === "re-INVITE";
  const message = reinvite ? "INVITE" : method;
  await withAlg(this.lab.node(router), async (alg) => {
    // The verdict may trail the SIP exchange the scenario just saw by a moment: wait for it briefly.
    await alg
      .waitFor("verdict", (v) => v.action === want && v.message === message && v.reinvite === reinvite, { timeoutMs: 2000 })
      .catch(() => {
        const seen = alg.received("verdict").map((e) => formatVerdict(e.data));
        assert.fail(`${router}'s ALG never ${action} a ${method}; its verdicts:\n${seen.join("\n") || "(none: is an ALG profile set?)"}`);
      });
  });
});

Then("the ALG on {node} saw no SIP", async function (this: LabWorld, router: string) {
  const { bound, verdicts } = await algVerdicts(this.lab.node(router));
  // The positive control: an ALG that never bound its queue would see nothing either.
  assert.ok(bound, `the ALG on ${router} never said it was bound to its queue`);
  assert.equal(verdicts.length, 0, `the ALG on ${router} handled SIP:\n${verdicts.map(formatVerdict).join("\n")}`);
});

Given("{node} is registered for {duration}", async function (this: LabWorld, ua: string, ms: number) {
  const r = await this.lab.agent(ua).register(Math.round(ms / 1000));
  assert.ok(r.registered, `${ua} did not register: ${r.failedStage} ${r.status ?? ""} ${r.reason ?? ""}`);
});

Then("{node} fails to register with {word}", async function (this: LabWorld, ua: string, stage: string) {
  const r = await this.lab.agent(ua).register();
  assert.equal(r.registered, false, `${ua} registered, expected a failure (${stage})`);
  assert.equal(r.failedStage, stage, `${ua}'s registration failed at ${r.failedStage} (${r.status ?? ""} ${r.reason ?? ""}), expected ${stage}`);
});

When("{node} re-invites the call", { timeout: 60_000 }, async function (this: LabWorld, ua: string) {
  await this.lab.agent(ua).reinvite(this.lastCall().outcome.callId);
});

Then("{node} never rang", async function (this: LabWorld, ua: string) {
  const incoming = (await this.lab.agent(ua).calls()).filter((c) => c.direction === "incoming");
  assert.equal(incoming.length, 0, `${ua} rang: ${JSON.stringify(incoming)}`);
});

// RFC 4787 filtering, measured: alice opens a mapping towards bob:7000, then bob from the same port, bob
// from another port, and the mirror (never contacted) each send one datagram to that mapping.
const SENDERS: Readonly<Record<string, string>> = { "the peer": "bob:7000", "the peer's other port": "bob:7001", "a stranger": "mirror:7000" };

Then(/^(\S+) lets in (.+)$/, { timeout: 30_000 }, async function (this: LabWorld, router: string, allowed: string) {
  const expected =
    allowed === "nothing"
      ? []
      : allowed.split(/,\s*|\s+and\s+/).map((s) => {
          const sender = SENDERS[s.trim()];
          if (!sender) throw new Error(`unknown sender "${s}"; known: ${Object.keys(SENDERS).join(", ")}, or "nothing"`);
          return sender;
        });
  const arrived = await reachableFrom(this.lab, "alice", router, { node: "bob", port: 7000 }, [
    { node: "bob", port: 7000 },
    { node: "bob", port: 7001 },
    { node: "mirror", port: 7000 },
  ]);
  await this.attach(`arrived at alice through ${router}: ${arrived.join(", ") || "(nothing)"}`, {
    mediaType: "text/plain",
    fileName: `${router}-filtering.txt`,
  });
  assert.deepEqual(
    [...arrived].sort(),
    [...expected].sort(),
    `through ${router} arrived ${arrived.join(", ") || "nothing"}; expected ${expected.join(", ") || "nothing"}`,
  );
});

// A3.6: a second proxy (the mirror node, which never talked to alice) sends a request to the address alice
// registered through nat1. The kernel helper's REGISTER expectation admits only the registrar by default.
When(
  "a second proxy {node} sends {node} a request at the address it registered through {node}",
  async function (this: LabWorld, proxy: string, ua: string, router: string) {
    const target = `${publicAddress(this, router)}:5060`;
    const callId = `stray${Date.now()}`;
    await sendDatagram(
      this.lab,
      proxy,
      5070,
      { ip: publicAddress(this, router), port: 5060 },
      strayOptions(ua, target, `${this.lab.addressOf(proxy)}:5070`, callId),
    );
    this.strayCallId = callId;
  },
);

Then(/^(\S+) (received|never received) the second proxy's request$/, async function (this: LabWorld, ua: string, verdict: string) {
  assert.ok(this.strayCallId, "no second proxy sent anything in this scenario");
  // Arrival is awaited (up to 1.5 s, the lab answers in milliseconds); "never" is that whole window passing.
  const read = async () => (await this.lab.agent(ua).trace(this.strayCallId)).filter((e) => e.direction === "received");
  const got = await pollUntil(read, (g) => g.length > 0, 1500);
  if (verdict === "received") assert.ok(got.length > 0, `${ua} never received the second proxy's request`);
  else assert.equal(got.length, 0, `${ua} received the second proxy's request: ${got.map((e) => e.firstLine).join("; ")}`);
});

async function contactsSeen(world: LabWorld, ua: string, method: string): Promise<string[]> {
  const seen = await sightings(world, sipServerOf(world, ua), ua, method, true);
  assert.ok(seen.length > 0, `the SIP server logged no ${method} from ${ua}`);
  return seen.map((s) => s.contact);
}

const contactHost = (c: string): string => /sips?:[^@]+@([^:;>]+)/.exec(c)?.[1] ?? "";

Then(
  "the SIP server saw {node}'s {word} with a Contact on {node}'s public address",
  async function (this: LabWorld, ua: string, method: string, router: string) {
    for (const c of await contactsSeen(this, ua, method)) {
      assert.equal(contactHost(c), publicAddress(this, router), `${method} from ${ua} arrived with Contact ${c}, not on ${router}'s public address`);
    }
  },
);

Then("the SIP server saw {node}'s {word} with a private Contact", async function (this: LabWorld, ua: string, method: string) {
  for (const c of await contactsSeen(this, ua, method))
    assert.ok(isPrivateLiteral(contactHost(c)), `${method} from ${ua} arrived with Contact ${c}, which is not private`);
});

Then("the probe arrived with {word} naming a private address, from {node}'s public address", function (this: LabWorld, field: string, router: string) {
  const { probe, diff } = lastDiff(this);
  const [f] = fieldList(field);
  const c = diff.fields.find((x) => x.field === f)!;
  const host = /(\d{1,3}(?:\.\d{1,3}){3})/.exec(c.received ?? "")?.[1] ?? "";
  assert.ok(isPrivateLiteral(host), `${f} arrived as ${c.received}: no private address in it\n${formatDiff(diff)}`);
  assert.equal(probe.source.split(":")[0], publicAddress(this, router), `the probe came from ${probe.source}, not from ${router}`);
});
