import assert from "node:assert/strict";
import { test } from "node:test";
import { inspect } from "./inspect.js";
import type { InspectPacket } from "./packets.js";
import { calls, streams } from "./rtp.js";
import { anonymous, fixture } from "./test-fixtures.js";

test("one-way audio: alice's RTP left through the NAT and nothing came back, on any hop", () => {
  const packets = fixture("alg-headers-not-sdp");
  const [s] = streams(packets);
  assert.ok(s && s.hops.length === 2, "before and after the NAT");
  const r = inspect("alg.pcapng", packets);
  const f = r.findings.find((x) => x.id === "rtp-one-way")!;
  assert.match(f.title, /one-way audio: RTP from 10\.123\.1\.2:16384 to 198\.51\.100\.36:16384/);
  assert.match(f.detail, /No RTP reached 10\.123\.1\.2:16384 or 198\.51\.100\.35:16384 from anywhere/);
  // Both ways (the kernel helper's capture): no one-way finding.
  assert.ok(!inspect("nf.pcapng", fixture("alg-netfilter")).findings.some((x) => x.id === "rtp-one-way"));
});

/** A stream of RTP from `from` to `to`: `n` packets every 20 ms from `t0`. */
function stream(ssrc: string, from: [string, number], to: [string, number], t0: number, n: number, first: number): InspectPacket[] {
  const base = fixture("alg-netfilter").find((p) => p.rtp)!;
  return Array.from({ length: n }, (_, i) => ({
    ...base,
    no: first + i,
    time: t0 + i * 0.02,
    src: from[0],
    sport: from[1],
    dst: to[0],
    dport: to[1],
    rtp: { ssrc, seq: i, payloadType: 0, timestamp: i * 160 },
  }));
}

test("RTP that stops while the other direction goes on is reported with the time it ran", () => {
  const a = stream("0xa", ["10.0.0.2", 16384], ["198.51.100.9", 20000], 1000, 250, 1);
  const b = stream("0xb", ["198.51.100.9", 20000], ["10.0.0.2", 16384], 1000, 1000, 1000);
  const r = inspect("cut.pcap", [...a, ...b]);
  const f = r.findings.find((x) => x.id === "rtp-stops")!;
  assert.match(f.title, /RTP from 10\.0\.0\.2:16384 to 198\.51\.100\.9:20000 stopped after 5\.0 s, while other RTP went on for 15 s/);
  assert.equal(f.facts.kind === "rtp-stops" && Math.round(f.facts.afterSeconds), 5);
  assert.equal(r.causes[0]?.id, "media-cut");
  const lateBlock = (r.skeleton.topology.nodes as Record<string, { firewall?: { lateBlock?: unknown } }>).nat1?.firewall?.lateBlock;
  assert.deepEqual(lateBlock, { signatures: ["rtp-udp"], afterSeconds: 5 });
  assert.deepEqual(calls([], 0), []);
});

test("'none came back' carries its positive control: whether the capture sees anything reaching the sender", () => {
  const named = inspect("alg.pcapng", fixture("alg-headers-not-sdp")).findings.find((x) => x.id === "rtp-one-way")!;
  assert.ok(named.facts.kind === "one-way" && named.facts.inboundSeen > 0);
  assert.match(named.detail, /The capture does see what reaches 10\.123\.1\.2 and 198\.51\.100\.35: \d+ other packet\(s\) around the call/);
  // A capture of one direction only (what left alice's side, nothing towards it).
  const outbound = anonymous(fixture("alg-headers-not-sdp")).filter((p) => p.dst !== "10.123.1.2" && p.dst !== "198.51.100.35");
  const blind = inspect("out.pcap", outbound).findings.find((x) => x.id === "rtp-one-way")!;
  assert.ok(blind.facts.kind === "one-way" && blind.facts.inboundSeen === 0);
  assert.match(blind.detail, /whether RTP came back cannot be told from here/);
});
