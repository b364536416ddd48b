import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import type { CallOutcome } from "../calls/outcome.js";
import { parseDissection, type Packet } from "./dissect.js";
import { type AgentsReport, buildCallTimeline, callsWithMedia, clockRateOf, type TimelineInterface } from "./timeline.js";
import { timelineSvg } from "./timeline-svg.js";

// Fixtures: real runs (CALLPATH_CAPTURE=all), made with scripts/timeline-fixture.ts from the scenario's
// pcapng dissected as `dissect` does it and the <base>-timeline.json the hooks wrote beside it.
function load(name: string): { packets: Packet[]; interfaces: TimelineInterface[]; agents: AgentsReport } {
  const dir = new URL("./fixtures/", import.meta.url);
  const packets = parseDissection(gunzipSync(readFileSync(new URL(`timeline-${name}.tshark.json.gz`, dir))).toString("utf8"));
  const { interfaces, agents } = JSON.parse(readFileSync(new URL(`timeline-${name}.timeline.json`, dir), "utf8"));
  return { packets, interfaces, agents };
}

function only<T>(list: readonly T[]): T {
  assert.equal(list.length, 1);
  return list[0]!;
}

// Synthetic streams, for what a real run seldom shows on cue.
const IFACES: TimelineInterface[] = [
  { label: "alice:lan1", node: "alice", mac: "aa" },
  { label: "bob:internet", node: "bob", mac: "bb" },
];
const T0 = 1_800_000_000;

function outcome(callId: string, startedAt: number, endedAt: number | null): CallOutcome {
  return {
    callId,
    direction: "outgoing",
    local: "",
    remote: "",
    established: true,
    setupMs: 100,
    finalStatus: 200,
    reason: null,
    failedStage: null,
    endedBy: "local",
    startedAt,
    endedAt,
  };
}

function rtp(at: "alice:lan1" | "bob:internet", out: boolean, time: number, seq: number, timestamp: number, ssrc = "0x1"): Packet {
  const mac = at === "alice:lan1" ? "aa" : "bb";
  return {
    no: 0,
    time,
    iface: at,
    ethSrc: out ? mac : "gw",
    ethDst: out ? "gw" : mac,
    src: "10.0.0.1",
    dst: "10.0.0.2",
    ipId: 0,
    transport: "udp",
    sport: 4000,
    dport: 4000,
    length: 200,
    fragment: null,
    sip: null,
    stun: null,
    rtp: { ssrc, seq, payloadType: 0, timestamp },
    icmp: null,
    tlsHandshake: false,
  };
}

/** alice sends PCMU every 20 ms from T0+0.1 for `n` packets; bob receives each after `delay(i)`, except those `lost(i)`. */
function stream(n: number, delay: (i: number) => number, lost: (i: number) => boolean = () => false): Packet[] {
  const out: Packet[] = [];
  for (let i = 0; i < n; i++) {
    const t = T0 + 0.1 + i * 0.02;
    out.push(rtp("alice:lan1", true, t, 100 + i, 160 * i));
    if (!lost(i)) out.push(rtp("bob:internet", false, t + delay(i), 100 + i, 160 * i));
  }
  return out.sort((a, b) => a.time - b.time);
}

const agentsOf = (endedAt: number | null): AgentsReport => ({
  alice: { calls: [outcome("c1", T0 * 1000, endedAt)], ice: [] },
  bob: { calls: [{ ...outcome("c1", T0 * 1000 + 20, endedAt), direction: "incoming" }], ice: [] },
});

test("steady delay: 50 packets a second each way, no loss, no jitter; seconds are counted from the INVITE", () => {
  const tl = buildCallTimeline(
    only(callsWithMedia(agentsOf(T0 * 1000 + 3200))),
    stream(150, () => 0.005),
    IFACES,
  );
  const ab = tl.media.find((m) => m.from === "alice")!;
  assert.deepEqual(
    ab.seconds.slice(0, 3).map((s) => s.received),
    [45, 50, 50],
  );
  assert.equal(ab.sent, 150);
  assert.equal(ab.lost, 0);
  assert.equal(ab.clockRate, 8000, "PCMU's clock, from its static payload type");
  assert.ok(
    ab.seconds.every((s) => s.jitterMs === null || s.jitterMs < 0.01),
    "no jitter",
  );
  assert.equal(ab.measuredAt.join(), "bob:internet");
  assert.ok(ab.stoppedBeforeEnd! < 0.3, `audio lasted until the end (${ab.stoppedBeforeEnd})`);
  const ba = tl.media.find((m) => m.from === "bob")!;
  assert.equal(ba.received, 0, "bob sent nothing");
  assert.ok(Math.abs(tl.answered! - 0.1) < 1e-6, `answered at ${tl.answered}`);
});

test("jitter follows RFC 3550: alternating 0 and 10 ms of delay converge to about 10 ms × 15/16", () => {
  const tl = buildCallTimeline(
    only(callsWithMedia(agentsOf(null))),
    stream(250, (i) => (i % 2 ? 0.01 : 0)),
    IFACES,
  );
  const ab = tl.media.find((m) => m.from === "alice")!;
  const last = ab.seconds.filter((s) => s.jitterMs !== null).at(-1)!;
  // J converges to |D| = 10 ms (80 timestamp units): J += (|D| − J)/16 → 10 ms.
  assert.ok(Math.abs(last.jitterMs! - 10) < 0.5, `jitter ${last.jitterMs}`);
  assert.ok(tl.notes.includes("the call had not ended when the capture stopped"), tl.notes.join("; "));
  assert.equal(ab.stoppedBeforeEnd, null);
});

test("loss per second is counted from sequence gaps at the receiver; a stream cut mid-call is marked where it stopped", () => {
  // 10 lost in the second second; everything after packet 150 (3.1 s) never arrives; the call ends at 6 s.
  // bob's interface still carries the BYE at 6 s: its capture was running, so the silence is real.
  const bye = { ...rtp("bob:internet", false, T0 + 6, 0, 0), rtp: null };
  const packets = [
    ...stream(
      250,
      () => 0.005,
      (i) => (i >= 60 && i < 70) || i >= 150,
    ),
    bye,
  ];
  const tl = buildCallTimeline(only(callsWithMedia(agentsOf(T0 * 1000 + 6000))), packets, IFACES);
  const ab = tl.media.find((m) => m.from === "alice")!;
  assert.equal(ab.seconds[1]!.lost, 10);
  assert.equal(ab.lost, 10, "a tail that never came is no gap: nothing after it shows one");
  assert.equal(ab.seconds[4]!.received, 0);
  assert.equal(ab.seconds[4]!.sent, 50);
  assert.ok(Math.abs(ab.lastReceived! - 3.085) < 0.001, `last received at ${ab.lastReceived}`);
  assert.ok(Math.abs(ab.stoppedBeforeEnd! - (6 - 3.085)) < 0.001, `stopped ${ab.stoppedBeforeEnd} s before the end`);
  const svg = timelineSvg(tl, "cut");
  assert.match(svg, /audio stopped at 3\.0[89] s, 2\.9 s before the call&apos;s end/);
});

test("a capture that stopped before the call ended does not call the audio stopped", () => {
  // bob's capture saw nothing after 2 s; alice's went on.
  const packets = stream(250, () => 0.005).filter((p) => p.iface !== "bob:internet" || p.time < T0 + 2);
  const tl = buildCallTimeline(only(callsWithMedia(agentsOf(T0 * 1000 + 6000))), packets, IFACES);
  const ab = tl.media.find((m) => m.from === "alice")!;
  assert.equal(ab.stoppedBeforeEnd, null);
  assert.equal(ab.flowingAtCaptureEnd, true);
  assert.ok(ab.captureEnded !== null && ab.captureEnded < 2, `capture ended at ${ab.captureEnded}`);
  assert.equal(ab.sent, ab.received, "both ends are counted only while both captures ran");
  assert.ok(
    tl.notes.some((n) => n.startsWith("alice → bob: counted until 1.99 s, when the capture at bob:internet ended")),
    tl.notes.join("; "),
  );
  assert.match(timelineSvg(tl, "x"), /still flowing at 1\.99 s, when a capture ended/);
});

test("a dynamic payload type's clock is measured from the stream and rounded to a usual rate", () => {
  const opus = Array.from({ length: 30 }, (_, i) => ({
    ...rtp("bob:internet", false, T0 + i * 0.02, i, 960 * i),
    rtp: { ssrc: "1", seq: i, payloadType: 111, timestamp: 960 * i },
  }));
  assert.equal(clockRateOf(opus), 48000);
  assert.equal(clockRateOf(opus.slice(0, 3)), null, "too short to tell");
});

test("a call rejected outright gets no timeline; one answered does", () => {
  const agents: AgentsReport = {
    alice: { calls: [{ ...outcome("rejected", T0, T0), established: false, finalStatus: 404, failedStage: "rejected" }, outcome("ok", T0, null)], ice: [] },
  };
  assert.deepEqual(
    callsWithMedia(agents).map((c) => c.callId),
    ["ok"],
  );
  const tl = buildCallTimeline(only(callsWithMedia(agents)), [], IFACES);
  assert.ok(
    tl.notes.some((n) => n.includes("only alice reported this call")),
    tl.notes.join("; "),
  );
  assert.match(timelineSvg(tl, "x"), /no media direction/);
});

const count = (svg: string, cls: string): number => svg.match(new RegExp(`<g class="${cls}"`, "g"))?.length ?? 0;

test("real run, plain RTP through a NAT: 50 packets a second both ways, nothing lost, audio until the BYE", () => {
  const { packets, interfaces, agents } = load("baseline");
  const tl = buildCallTimeline(only(callsWithMedia(agents)), packets, interfaces);
  assert.equal(tl.ice.length, 0, "no ICE on a plain-RTP call");
  assert.equal(tl.media.length, 2);
  for (const m of tl.media) {
    assert.equal(m.clockRate, 8000);
    assert.equal(m.lost, 0);
    assert.ok(Math.abs(m.sent - m.received) <= 1, `${m.from} → ${m.to}: sent ${m.sent}, received ${m.received}`);
    assert.deepEqual(
      m.seconds.slice(1, 5).map((s) => s.received),
      [50, 50, 50, 50],
    );
    assert.ok(m.stoppedBeforeEnd !== null && m.stoppedBeforeEnd < 0.1, `${m.from} → ${m.to} stopped ${m.stoppedBeforeEnd} s before the end`);
    assert.ok(
      m.seconds.every((s) => s.jitterMs === null || s.jitterMs < 40),
      "jitter stays in tens of ms",
    );
  }
  assert.deepEqual(tl.notes, []);
  const svg = timelineSvg(tl, "baseline");
  for (const c of ["rtp-rate", "rtp-loss", "rtp-jitter", "audio-stop"]) assert.equal(count(svg, c), 2, c);
  assert.equal(count(svg, "lane"), 0);
  assert.equal(count(svg, "not-captured"), 0);
});

test("real run, WebRTC through two NATs: state lanes, the pairs each agent selected and when, their checks at the NAT's outside", () => {
  const { packets, interfaces, agents } = load("webrtc-direct");
  const tl = buildCallTimeline(only(callsWithMedia(agents)), packets, interfaces);
  assert.deepEqual(tl.ice.map((i) => i.agent).sort(), ["alice", "bob"]);
  for (const ice of tl.ice) {
    const lanes = new Map(ice.lanes.map((l) => [l.what, l]));
    for (const what of ["ice", "connection", "dtls", "selected-pair"] as const) assert.ok(lanes.has(what), `${ice.agent}: ${what} lane`);
    const connected = lanes.get("ice")!.spans.find((s) => s.state === "connected")!;
    assert.ok(connected.from > 0 && connected.from < 1, `${ice.agent}: ICE connected at ${connected.from}`);
    assert.equal(lanes.get("ice")!.spans.at(-1)!.state, "closed");
    assert.ok(Math.abs(lanes.get("ice")!.spans.at(-1)!.from - tl.ended!) < 0.1, "closed at the BYE");
  }
  const alice = tl.ice.find((i) => i.agent === "alice")!;
  const selected = only(alice.pairs.filter((p) => p.selected.length > 0));
  assert.equal(`${selected.local!.type}→${selected.remote!.type}`, "srflx→srflx");
  assert.equal(selected.checksAt, "nat1:internet", "a server-reflexive candidate's checks carry its address outside its NAT");
  assert.ok(selected.checks.some((c) => c.kind === "response-received") && selected.checks.some((c) => c.kind === "request-received"));
  // bob first selected a pair through alice's relay, then the direct one: two pairs, one after the other.
  const bob = tl.ice.find((i) => i.agent === "bob")!;
  const moves = bob.pairs.filter((p) => p.selected.length > 0).sort((a, b) => a.selected[0]!.from - b.selected[0]!.from);
  assert.deepEqual(
    moves.map((p) => p.remote!.type),
    ["relay", "srflx"],
  );
  assert.ok(Math.abs(moves[0]!.selected[0]!.to - moves[1]!.selected[0]!.from) < 1e-9, "the second selection ends the first");
  assert.ok(
    bob.pairs.filter((p) => p.requestsSent + p.requestsReceived + p.responsesReceived === 0).every((p) => p.checks.length === 0),
    "a pair the agent never checked is given none of the wire's checks",
  );
  for (const m of tl.media) {
    assert.equal(m.clockRate, 48000, "Opus: the clock measured from the stream");
    assert.equal(m.lost, 0);
    assert.ok(m.received > 150, `${m.from} → ${m.to}: ${m.received}`);
  }
  const svg = timelineSvg(tl, "webrtc");
  assert.equal(
    count(svg, "lane"),
    tl.ice.reduce((n, i) => n + i.lanes.length, 0),
  );
  assert.equal(svg.match(/<g class="pair"[^>]*data-selected="true"/g)?.length, 3);
});

test("real run, a DPI's late verdict cuts the relayed flow: audio stops in both directions while the call and the sending go on, then ICE disconnects", () => {
  const { packets, interfaces, agents } = load("late-verdict");
  const tl = buildCallTimeline(only(callsWithMedia(agents)), packets, interfaces);
  assert.equal(tl.ended, null);
  for (const m of tl.media) {
    assert.ok(m.lastReceived! > 3 && m.lastReceived! < 4.5, `${m.from} → ${m.to}: last packet at ${m.lastReceived}`);
    assert.ok(m.sentAfterStop! > 4, `${m.from} went on sending for ${m.sentAfterStop} s`);
    assert.equal(m.flowingAtCaptureEnd, false);
    const after = m.seconds.filter((s) => s.t >= Math.ceil(m.lastReceived!) && s.t < 8);
    assert.ok(
      after.every((s) => s.received === 0 && s.sent > 0),
      "sent, and nothing arrived",
    );
  }
  const stop = Math.max(...tl.media.map((m) => m.lastReceived!));
  for (const ice of tl.ice) {
    const disconnected = ice.lanes.find((l) => l.what === "ice")!.spans.find((s) => s.state === "disconnected")!;
    assert.ok(disconnected.from > stop + 3, `${ice.agent}: ICE disconnected at ${disconnected.from}, audio stopped at ${stop}`);
    // The selected pair's checks: answered until the cut, unanswered after it.
    const pair = ice.pairs.find((p) => p.selected.some((s) => s.to >= tl.until))!;
    const answers = pair.checks.filter((c) => c.kind === "response-received");
    assert.ok(answers.length > 0 && answers.at(-1)!.t < stop, `${ice.agent}: last answer at ${answers.at(-1)?.t}`);
  }
  // bob's checks go on leaving his NAT; alice's relayed ones die at her firewall (nat1), so at the TURN
  // server's relayed side only bob's checks to her are seen after the cut.
  const late = (agent: string): Set<string> =>
    new Set(
      tl.ice
        .find((i) => i.agent === agent)!
        .pairs.find((p) => p.selected.some((s) => s.to >= tl.until))!
        .checks.filter((c) => c.t > stop + 1)
        .map((c) => c.kind),
    );
  assert.deepEqual([...late("bob")], ["request-sent"]);
  assert.deepEqual([...late("alice")], ["request-received"]);
  const svg = timelineSvg(tl, "late verdict");
  assert.match(svg, /audio stopped at 3\.6\d s, the call still up, bob sent for 5\.\d s more/);
  assert.equal(count(svg, "audio-stop"), 2);
});

test("real run, an ALG leaves the SDP private: alice's audio reaches bob, none of bob's leaves him; counted while both captures ran", () => {
  const { packets, interfaces, agents } = load("headers-not-sdp");
  const tl = buildCallTimeline(only(callsWithMedia(agents)), packets, interfaces);
  const ba = tl.media.find((m) => m.from === "bob")!;
  const ab = tl.media.find((m) => m.from === "alice")!;
  assert.equal(ba.sent, 0);
  assert.equal(ba.received, 0);
  assert.ok(ab.received > 150, `alice → bob: ${ab.received}`);
  assert.ok(Math.abs(ab.sent - ab.received) <= 1, `alice → bob: sent ${ab.sent}, received ${ab.received}`);
  assert.equal(ab.flowingAtCaptureEnd, true, "alice's capture ended first, with her RTP still flowing");
  assert.equal(ab.stoppedBeforeEnd, null);
  const svg = timelineSvg(tl, "A3.1");
  assert.match(svg, /no RTP of this direction arrived at alice:lan1;<tspan[^>]*>none left bob:internet either/);
  assert.equal(count(svg, "not-captured"), 2);
});

test("real run, relay only over TURN/TLS: the relayed end's media is counted where it is plain RTP, at the TURN server, and says so", () => {
  const { packets, interfaces, agents } = load("turn-tls");
  const tl = buildCallTimeline(only(callsWithMedia(agents)), packets, interfaces);
  const toAlice = tl.media.find((m) => m.to === "alice")!;
  const fromAlice = tl.media.find((m) => m.from === "alice")!;
  assert.deepEqual(toAlice.measuredAt, ["turn:internet"]);
  assert.deepEqual(fromAlice.sentAt, ["turn:internet"]);
  assert.deepEqual(fromAlice.measuredAt, ["bob:lan2"]);
  for (const m of [toAlice, fromAlice]) {
    assert.ok(m.received > 200 && Math.abs(m.sent - m.received) < 15, `${m.from} → ${m.to}: sent ${m.sent}, received ${m.received}`);
    assert.equal(m.lost, 0);
  }
  assert.ok(
    tl.notes.some((n) => n.startsWith("bob → alice: alice receives over TURN/tls") && n.includes("measured at turn:internet")),
    tl.notes.join("; "),
  );
  const alice = tl.ice.find((i) => i.agent === "alice")!;
  assert.deepEqual(
    alice.lanes.find((l) => l.what === "selected-pair")!.spans.map((s) => s.state),
    ["relay/tls → relay", "relay/tls → srflx"],
  );
});
