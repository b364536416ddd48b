import assert from "node:assert/strict";
import { test } from "node:test";
import { inspect } from "./inspect.js";
import { anonymous, fixture } from "./test-fixtures.js";

test("UDP blocked: STUN/TURN over UDP never answered, TURN over TCP and TLS to the SIP server work; the box that dropped it is named", () => {
  const r = inspect("webrtc.pcapng", fixture("webrtc-udp-blocked"));
  const f = r.findings.find((x) => x.id === "udp-unanswered")!;
  assert.equal(f.facts.kind, "udp-unanswered");
  if (f.facts.kind !== "udp-unanswered") return;
  assert.equal(f.facts.client, "10.123.7.2");
  assert.equal(f.facts.stun, 2, "the Binding and the Allocate to the TURN server");
  assert.equal(f.facts.udpAnswered, 0);
  assert.ok(f.facts.iceChecks > 0, "ICE checks to peers are counted apart");
  assert.ok(f.facts.streamOk.includes("stun-tcp") && f.facts.streamOk.includes("tls"), f.facts.streamOk.join());
  assert.deepEqual(f.facts.droppedIn, ["nat1"]);
  assert.match(f.detail, /The requests went into nat1 \(in on nat1:lan1, never out on nat1:internet\)/);
  assert.ok(f.evidence.some((e) => /no answer/.test(e.note)) && f.evidence.some((e) => /answered|TLS works|TCP connects/.test(e.note)));
  const cause = r.causes[0]!;
  assert.equal(cause.id, "udp-blocked");
  assert.equal(cause.confidence, "certain");
  // Without interface names the box cannot be named: the pattern is still there.
  const anon = inspect("webrtc.pcap", anonymous(fixture("webrtc-udp-blocked")));
  assert.equal(anon.causes[0]?.id, "udp-blocked");
  assert.equal(anon.causes[0]?.confidence, "likely");
  // A capture on the phone alone says as much.
  assert.equal(inspect("alice.pcap", anonymous(fixture("webrtc-udp-blocked"), "alice:lan1")).causes[0]?.id, "udp-blocked");
});

test("a host some UDP answer reached is not UDP-blocked (the fragments case: REGISTER answered, INVITE not)", () => {
  const r = inspect("vpn.pcapng", fixture("vpn-drop-fragments"));
  assert.ok(!r.findings.some((f) => f.id === "udp-unanswered"));
  const alg = inspect("alg.pcapng", fixture("alg-headers-not-sdp"));
  assert.ok(!alg.findings.some((f) => f.id === "udp-unanswered"));
});

test("UDP SIP unanswered with nothing over TCP either: possible, not certain", () => {
  // alice's REGISTER over UDP as her phone saw it, sent again at RFC 3261's Timer E intervals, never answered.
  const register = fixture("vpn-drop-fragments").find((p) => p.iface === "alice:lan1" && p.sip?.method === "REGISTER" && p.sip.status === null)!;
  const packets = [0, 0.5, 1.5, 3.5, 7.5, 11.5].map((dt, i) => ({ ...register, no: register.no + i, time: register.time + dt }));
  const r = inspect("register.pcap", anonymous(packets));
  const c = r.causes.find((x) => x.id === "udp-blocked");
  assert.ok(c, r.causes.map((x) => x.id).join());
  assert.equal(c.confidence, "possible");
  assert.match(c.title, /UDP blocked, or the server is unreachable/);
});
