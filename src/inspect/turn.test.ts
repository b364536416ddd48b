import assert from "node:assert/strict";
import { test } from "node:test";
import { inspect } from "./inspect.js";
import { fixture } from "./test-fixtures.js";

test("TURN: each client's Allocate per transport and how it ended; media through the relay over TCP", () => {
  const r = inspect("webrtc.pcapng", fixture("webrtc-udp-blocked"));
  const turns = r.findings.flatMap((f) => (f.facts.kind === "turn" ? [f.facts] : []));
  const alice = turns.filter((t) => t.client === "10.123.7.2");
  assert.deepEqual(alice.map((t) => `${t.transport}:${t.outcome}`).sort(), ["tcp:success", "udp:no-answer"]);
  const ok = r.findings.find((f) => f.facts.kind === "turn" && f.facts.transport === "tcp" && f.facts.client === "10.123.7.2")!;
  assert.match(ok.detail, /challenged with 401/);
  assert.ok(ok.evidence.some((e) => /Allocate error 401 Unauthenticated/.test(e.note)) && ok.evidence.some((e) => /Allocate success/.test(e.note)));
  const media = r.findings.find((f) => f.facts.kind === "turn-media" && f.facts.client === "10.123.7.2")!;
  assert.equal(media.facts.kind === "turn-media" && media.facts.transport, "tcp");
  assert.ok(media.facts.kind === "turn-media" && media.facts.channelData > 0);
  // The UDP allocation that got no answer is part of the UDP-blocked cause.
  const udp = r.findings.findIndex((f) => f.facts.kind === "turn" && f.facts.transport === "udp" && f.facts.client === "10.123.7.2");
  assert.ok(r.causes[0]!.findings.includes(udp));
});

test("an Allocate refused with a real error is a cause of its own", () => {
  const packets = fixture("webrtc-udp-blocked").map((p) =>
    p.stun?.type === "Allocate success" ? { ...p, stun: { ...p.stun, type: "Allocate error" }, stunError: 486 } : p,
  );
  const r = inspect("quota.pcap", packets);
  const f = r.findings.find((x) => x.facts.kind === "turn" && x.facts.outcome === "error")!;
  assert.match(f.title, /failed: error 486 Allocation Quota Reached/);
});
