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
  assert.ok(ab.captureEnded !== null && ab.captureEnded < 2, `capture ended at ${ab.captureEnded}`);
  assert.ok(
    tl.notes.some((n) => n.startsWith("alice → bob: the capture at bob:internet ended at")),
    tl.notes.join("; "),
  );
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
