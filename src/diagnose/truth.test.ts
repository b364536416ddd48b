import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { generateMessages } from "@cucumber/gherkin";
import { ALG_PROFILE_NAMES } from "../alg/alg-rules.js";
import { builtinKinds } from "../kinds/builtin.js";
import { NAT_PRESET_NAMES, NAT_PRESETS } from "../kinds/nat-router/nat-behaviour.js";
import { PROJECT_ROOT } from "../lab/images.js";
import { loadTopology, type TopologyOverrides } from "../topology/load.js";
import type { ResolvedTopology } from "../topology/types.js";
import { QUESTION_IDS, QUESTIONS, type QuestionId } from "./questions.js";
import { deriveTruth, SeatError } from "./truth.js";
import type { Truth } from "./truth-types.js";

const TOPOLOGIES = join(PROJECT_ROOT, "topologies");
const FEATURES = join(PROJECT_ROOT, "features");

async function topology(name: string, overrides: TopologyOverrides = []): Promise<ResolvedTopology> {
  return loadTopology(join(TOPOLOGIES, `${name}.yaml`), builtinKinds(), overrides);
}

async function truth(name: string, seat: string, overrides: Record<string, string> = {}): Promise<Truth> {
  return deriveTruth(await topology(name, Object.entries(overrides)), seat);
}

const seatsOf = (t: ResolvedTopology): string[] => [...t.nodes.values()].filter((n) => n.kind === "user-agent").map((n) => n.name);
const TURN_QUESTIONS: readonly QuestionId[] = ["udpBlocked", "stunOverTcpBlocked", "lateVerdict", "natType", "natMapping", "natFiltering", "pathMtu"];

/** Every answer in its question's vocabulary; the TURN questions answered exactly when there is a TURN server. */
function assertWellFormed(t: Truth, where: string): void {
  for (const q of QUESTION_IDS) {
    const a = t.answers[q];
    const expected = !TURN_QUESTIONS.includes(q) || t.turnServer !== null;
    assert.equal(a !== undefined, expected, `${where}: ${q} ${expected ? "missing" : "answered without a TURN server"}`);
    if (a === undefined) continue;
    const shape = QUESTIONS[q].shape as { type: string; choices?: readonly string[] };
    if (shape.type === "number") assert.equal(typeof a, "number", `${where}: ${q}`);
    else assert.ok((shape.type === "yes-no" ? ["yes", "no"] : shape.choices!).includes(a as string), `${where}: ${q} = ${a}`);
  }
  assert.equal(t.nat.count, t.nat.chain.length, where);
  assert.equal(t.nat.outermost, t.nat.chain.at(-1) ?? null, where);
}

test("every shipped topology: every user-agent seat derives a well-formed truth", async () => {
  const files = (await readdir(TOPOLOGIES)).filter((f) => f.endsWith(".yaml"));
  assert.ok(files.length >= 6, files.join(", "));
  let seats = 0;
  for (const f of files) {
    const t = await topology(f.replace(/\.yaml$/, ""));
    for (const seat of seatsOf(t)) {
      assertWellFormed(deriveTruth(t, seat), `${f} ${seat}`);
      seats++;
    }
  }
  assert.ok(seats >= 14, `${seats} seats`);
});

/** The variants scenarios run, from the feature files as cucumber reads them (outlines expanded). */
async function featureVariants(): Promise<Array<{ where: string; topology: string; overrides: TopologyOverrides }>> {
  const variants: Array<{ where: string; topology: string; overrides: TopologyOverrides }> = [];
  for (const f of (await readdir(FEATURES)).filter((x) => x.endsWith(".feature")).sort()) {
    let id = 0;
    const envelopes = generateMessages(await readFile(join(FEATURES, f), "utf8"), f, "text/x.cucumber.gherkin+plain" as never, {
      includePickles: true,
      newId: () => String(id++),
    });
    for (const e of envelopes) {
      assert.equal(e.parseError, undefined, `${f}: ${e.parseError?.message}`);
      for (const s of e.pickle?.steps ?? []) {
        const m = /^the "([^"]+)" topology is running with:$/.exec(s.text);
        const rows = s.argument?.dataTable?.rows;
        if (!m || !rows) continue;
        variants.push({
          where: `${f}: ${e.pickle!.name}`,
          topology: m[1]!,
          overrides: rows.map((r) => [r.cells[0]!.value.trim(), r.cells[1]!.value.trim()] as const),
        });
      }
    }
  }
  return variants;
}

test("every variant table in features/*.feature derives for every seat", async () => {
  const variants = await featureVariants();
  assert.ok(variants.length >= 60, `${variants.length} variants`);
  // Outline rows are substituted: no <placeholder> reaches a topology.
  assert.ok(variants.some((v) => v.overrides.some(([, value]) => value === "symmetric")));
  for (const v of variants) {
    assert.ok(!v.overrides.some(([p, value]) => /[<>]/.test(p + value)), v.where);
    const t = await topology(v.topology, v.overrides);
    for (const seat of seatsOf(t)) assertWellFormed(deriveTruth(t, seat), `${v.where} (${seat})`);
  }
});

test("a seat must be a user agent; the error names the seats", async () => {
  const t = await topology("diagnose-home");
  assert.throws(
    () => deriveTruth(t, "nat1"),
    (e: Error) => e instanceof SeatError && /"nat1" is a nat-router.*seats: alice, dave, bob$/.test(e.message),
  );
  assert.throws(
    () => deriveTruth(t, "carol"),
    (e: Error) => e instanceof SeatError && /no node "carol".*seats: alice, dave, bob$/.test(e.message),
  );
});

test("the open internet (bob): no box, no NAT, no ALG", async () => {
  const t = await truth("diagnose-home", "bob");
  assert.deepEqual(t.path, { sip: [], turn: [] });
  assert.equal(t.nat.count, 0);
  assert.equal(t.nat.effective, null);
  assert.deepEqual(t.sipAlg, []);
  assert.equal(t.answers.natType, "none");
  assert.equal(t.answers.natMapping, "none");
  assert.equal(t.answers.natFiltering, "none");
  assert.equal(t.answers.sipAlg, "no");
  assert.equal(t.answers.pathMtu, 1500);
});

test("each NAT preset on alice's router is her NAT type, with its mapping, filtering and UDP timeout", async () => {
  for (const preset of NAT_PRESET_NAMES) {
    const t = await truth("diagnose-home", "alice", { "nodes.nat1.nat": preset, "nodes.nat1.udpTimeout": "30" });
    assert.equal(t.answers.natType, preset);
    assert.equal(t.answers.natMapping, NAT_PRESETS[preset].mapping);
    assert.equal(t.answers.natFiltering, NAT_PRESETS[preset].filtering);
    assert.deepEqual(
      t.nat.chain.map((n) => [n.node, n.udpTimeoutSec]),
      [["nat1", 30]],
    );
  }
  assert.equal((await truth("diagnose-home", "alice")).nat.chain[0]!.udpTimeoutSec, 120);
});

test("a kernel helper behind a NAT that did not rewrite rewrites nothing; behind one that did, it does", async () => {
  const carrier = await truth("diagnose-home", "dave", { "nodes.cgn.alg": "netfilter" });
  assert.deepEqual([carrier.answers.sipAlg, carrier.answers.sipAlgUdp, carrier.answers.sipAlgTcp], ["no", "no", "no"]);
  const both = await truth("diagnose-home", "dave", { "nodes.cgn.alg": "netfilter", "nodes.nat2.alg": "netfilter" });
  assert.deepEqual(
    both.sipAlg.map((a) => [a.node, a.probe5060]),
    [
      ["nat2", ["udp", "tcp"]],
      ["cgn", ["udp", "tcp"]],
    ],
  );
  const udpFirst = await truth("diagnose-home", "dave", { "nodes.cgn.alg": "netfilter", "nodes.nat2.alg": "headers-not-sdp" });
  assert.deepEqual(
    udpFirst.sipAlg.map((a) => [a.node, a.probe5060]),
    [
      ["nat2", ["udp"]],
      ["cgn", ["udp"]],
    ],
  );
  const nothing = await truth("diagnose-home", "alice", { "nodes.nat1.alg": "{ rules: { rewrite: [] } }" });
  assert.equal(nothing.answers.sipAlg, "no");
});

test("double NAT (dave): nat2 then cgn; taken together the most dependent of each", async () => {
  const t = await truth("diagnose-home", "dave");
  assert.deepEqual(
    t.path.turn.map((h) => h.node),
    ["nat2", "cgn"],
  );
  assert.deepEqual(
    t.nat.chain.map((n) => n.node),
    ["nat2", "cgn"],
  );
  assert.equal(t.nat.outermost?.node, "cgn");
  assert.equal(t.answers.natType, "symmetric");
  assert.equal(t.answers.natMapping, "address-and-port-dependent");
  // A full cone outside a port-restricted one: the inner box still filters, the chain is no full cone.
  const cone = await truth("diagnose-home", "dave", { "nodes.cgn.nat": "full-cone" });
  assert.equal(cone.nat.outermost?.mapping, "endpoint-independent");
  assert.equal(cone.answers.natType, "port-restricted-cone");
  assert.equal(cone.answers.natFiltering, "address-and-port-dependent");
  // An address-dependent filter inside a full cone: restricted cone.
  const restricted = await truth("diagnose-home", "dave", { "nodes.cgn.nat": "full-cone", "nodes.nat2.nat": "restricted-cone" });
  assert.equal(restricted.answers.natType, "restricted-cone");
});

test("ALG: off, the kernel helper on UDP and TCP, on UDP only, and on another port", async () => {
  const off = await truth("sip-alg", "alice");
  assert.deepEqual(off.sipAlg, []);
  assert.equal(off.answers.sipAlg, "no");
  const kernel = await truth("sip-alg", "alice", { "nodes.nat1.alg": "netfilter" });
  assert.deepEqual(kernel.sipAlg, [
    { node: "nat1", alg: "netfilter", transports: ["udp"], ports: [5060], probe5060: ["udp", "tcp"], actsOn: { transports: ["udp", "tcp"], ports: [5060] } },
  ]);
  assert.deepEqual([kernel.answers.sipAlg, kernel.answers.sipAlgUdp, kernel.answers.sipAlgTcp], ["yes", "yes", "yes"]);
  const udpOnly = await truth("sip-alg", "alice", { "nodes.nat1.alg": "{ netfilter: { protocols: [udp] } }" });
  assert.deepEqual([udpOnly.answers.sipAlg, udpOnly.answers.sipAlgUdp, udpOnly.answers.sipAlgTcp], ["yes", "yes", "no"]);
  const tcpPhone = await truth("sip-alg", "alice", { "nodes.nat1.alg": "{ netfilter: { protocols: [udp] } }", "nodes.alice.sip.transport": "tcp" });
  assert.deepEqual(tcpPhone.sipAlg[0]!.transports, []);
  assert.ok(tcpPhone.notes.some((n) => /own SIP \(tcp to 5060\) passes nat1's ALG untouched/.test(n)));
  const on5080 = await truth("sip-alg", "alice", { "nodes.nat1.alg": "{ netfilter: { ports: [5080] } }", "nodes.alice.sip.serverPort": "5080" });
  assert.equal(on5080.answers.sipAlg, "no");
  assert.deepEqual(on5080.sipAlg[0]!.ports, [5080]);
  assert.ok(on5080.notes.some((n) => /is rewritten, though a probe to 5060 is not/.test(n)));
  const clamped = await truth("sip-alg", "alice", { "nodes.nat1.alg": "netfilter", "nodes.nat1.tcpMss": "536" });
  assert.ok(clamped.notes.some((n) => /clamps the TCP MSS to 536/.test(n)));
});

test("ALG: every userspace profile rewrites UDP to its ports only; rules make a named or custom ALG", async () => {
  for (const profile of ALG_PROFILE_NAMES) {
    const t = await truth("sip-alg", "alice", { "nodes.nat1.alg": profile });
    assert.deepEqual(t.sipAlg, [
      { node: "nat1", alg: "userspace", profile, transports: ["udp"], ports: [5060], probe5060: ["udp"], actsOn: { transports: ["udp"], ports: [5060] } },
    ]);
    assert.deepEqual([t.answers.sipAlg, t.answers.sipAlgUdp, t.answers.sipAlgTcp], ["yes", "yes", "no"]);
  }
  const widened = await truth("sip-alg", "alice", { "nodes.nat1.alg": "{ profile: headers-not-sdp, rules: { ports: [5060, 5080] } }" });
  assert.equal(widened.sipAlg[0]!.profile, "headers-not-sdp+rules");
  assert.deepEqual(widened.sipAlg[0]!.actsOn.ports, [5060, 5080]);
  const custom = await truth("sip-alg", "alice", { "nodes.nat1.alg": "{ rules: { ports: [5080] } }" });
  assert.equal(custom.sipAlg[0]!.profile, "custom");
  assert.equal(custom.answers.sipAlgUdp, "no");
});

test("ALG: the seat's TLS, WSS and port-5080 SIP pass untouched, while a 5060 probe still meets it", async () => {
  for (const [field, value] of [
    ["nodes.alice.sip.transport", "tls"],
    ["nodes.alice.sip.serverPort", "5080"],
  ] as const) {
    const t = await truth("sip-alg", "alice", { "nodes.nat1.alg": "headers-not-sdp", [field]: value });
    assert.deepEqual(t.sipAlg[0]!.transports, [], field);
    assert.deepEqual(t.sipAlg[0]!.ports, [], field);
    assert.equal(t.answers.sipAlg, "yes", field);
  }
  const web = await truth("webrtc", "alice", { "nodes.nat1.alg": "netfilter" });
  assert.deepEqual(web.sipAlg[0]!.transports, []);
  assert.equal(web.answers.sipAlgTcp, "yes");
});

test("ALG on an inner router of a double NAT (sip-alg variant): nat2's helper, nat1 plain", async () => {
  const t = await truth("sip-alg", "alice", {
    "networks.lan2": "{}",
    "nodes.nat2": "{ kind: nat-router, lan: lan2, wan: lan1, gateway: nat1, alg: netfilter }",
    "nodes.alice.network": "lan2",
    "nodes.alice.gateway": "nat2",
  });
  assert.deepEqual(
    t.sipAlg.map((a) => a.node),
    ["nat2"],
  );
  assert.deepEqual(
    t.path.sip.map((h) => h.node),
    ["nat2", "nat1"],
  );
});

test("firewall: UDP blocked but DNS, and the allowlist naming the TURN server lifts it", async () => {
  const blocked = await truth("webrtc", "alice", { "nodes.nat1.firewall": "{ udp: block }" });
  assert.deepEqual(blocked.udpBlocked, { blocked: true, by: "nat1", exempt: ["DNS (UDP port 53)"] });
  assert.equal(blocked.answers.udpBlocked, "yes");
  assert.equal(blocked.answers.stunOverTcpBlocked, "no");
  const allowed = await truth("webrtc", "alice", { "nodes.nat1.firewall": "{ udp: block, block: [stun-tcp, stun-udp], allow: [turn] }" });
  assert.deepEqual(allowed.udpBlocked, { blocked: false, by: null, exempt: ["DNS (UDP port 53)", "nat1 allowlist: turn (the TURN server)"] });
  assert.deepEqual(allowed.dpi, { signatures: [], by: null });
  assert.equal(allowed.answers.stunOverTcpBlocked, "no");
  // An allowlist for someone else exempts nothing towards the TURN server.
  const other = await truth("webrtc", "alice", { "nodes.nat1.firewall": "{ udp: block, allow: [kamailio] }" });
  assert.equal(other.answers.udpBlocked, "yes");
  assert.ok(other.udpBlocked.exempt.includes("nat1 allowlist: kamailio"));
  // UDP itself passes, but STUN on it is dropped: for the question (does STUN/TURN over UDP get through) that is a block.
  const dpi = await truth("webrtc", "alice", { "nodes.nat1.firewall": "{ block: [stun-udp] }" });
  assert.equal(dpi.udpBlocked.blocked, false);
  assert.equal(dpi.answers.udpBlocked, "yes");
  const media = await truth("webrtc", "alice", { "nodes.nat1.firewall": "{ block: [rtp-udp, dtls-udp] }" });
  assert.equal(media.answers.udpBlocked, "no");
});

test("firewall: an allowlist prefix exempts the TURN server when it holds its address, and cannot tell when the lab allocates it", async () => {
  // Declared: kamailio is 198.51.100.1, turn 198.51.100.2 (hosts in node order).
  const declared = { "networks.internet": "{ public: true, subnet: 198.51.100.0/24 }" };
  const holds = await truth("webrtc", "alice", { ...declared, "nodes.nat1.firewall": "{ udp: block, allow: [198.51.100.2] }" });
  assert.equal(holds.answers.udpBlocked, "no");
  const misses = await truth("webrtc", "alice", { ...declared, "nodes.nat1.firewall": "{ udp: block, allow: [198.51.100.128/25] }" });
  assert.equal(misses.answers.udpBlocked, "yes");
  const pooled = await truth("webrtc", "alice", { "nodes.nat1.firewall": "{ udp: block, allow: [198.51.100.0/24] }" });
  assert.equal(pooled.answers.udpBlocked, undefined, "the topology alone cannot settle it: unscored");
  assert.equal(pooled.answers.natType, "port-restricted-cone", "the rest is still answered");
  assert.ok(pooled.notes.some((n) => /allowlist entry 198\.51\.100\.0\/24: whether it holds turn depends on the subnet/.test(n)));
  const everyPool = await truth("webrtc", "alice", { "nodes.nat1.firewall": "{ udp: block, allow: [192.0.0.0/2] }" });
  assert.equal(everyPool.answers.udpBlocked, "no");
});

test("a late verdict on stun-tcp after at most 2 packets (SYN and ACK count) blocks TURN over TCP; one on UDP behind a UDP block is unscored", async () => {
  const early = await truth("diagnose-home", "alice", { "nodes.nat1.firewall": "{ lateBlock: { signatures: [stun-tcp], afterPackets: 2 } }" });
  assert.equal(early.answers.stunOverTcpBlocked, "yes");
  const later = await truth("diagnose-home", "alice", { "nodes.nat1.firewall": "{ lateBlock: { signatures: [stun-tcp], afterPackets: 3 } }" });
  assert.equal(later.answers.stunOverTcpBlocked, "no");
  assert.equal(later.answers.lateVerdict, "yes");
  const hidden = await truth("diagnose-home", "alice", { "nodes.nat1.firewall": "{ udp: block, lateBlock: { signatures: [stun-udp], afterPackets: 5 } }" });
  assert.equal(hidden.answers.lateVerdict, undefined);
  assert.equal(hidden.answers.udpBlocked, "yes");
});

test("DPI: stun-tcp blocks TURN over TCP, rfc4571-tcp does not; a late verdict is reported with its limit", async () => {
  const stun = await truth("webrtc", "alice", { "nodes.nat1.firewall": "{ udp: block, block: [stun-tcp] }" });
  assert.deepEqual(stun.dpi, { signatures: ["stun-tcp"], by: "nat1" });
  assert.equal(stun.answers.stunOverTcpBlocked, "yes");
  const framed = await truth("webrtc", "alice", { "nodes.nat1.firewall": "{ block: [rfc4571-tcp] }" });
  assert.equal(framed.answers.stunOverTcpBlocked, "no");
  assert.equal(framed.answers.udpBlocked, "no");
  assert.ok(framed.notes.some((n) => /rfc4571-tcp looks for the STUN cookie at TCP payload byte 6/.test(n)));
  const late = await truth("webrtc", "alice", { "nodes.nat1.firewall": "{ lateBlock: { signatures: [stun-udp], afterPackets: 250 } }" });
  assert.deepEqual(late.lateVerdict, { node: "nat1", signatures: ["stun-udp"], afterPackets: 250 });
  assert.equal(late.answers.lateVerdict, "yes");
  assert.equal((await truth("webrtc", "alice")).answers.lateVerdict, "no");
  // bob's router has none of it.
  assert.equal((await truth("webrtc", "bob", { "nodes.nat1.firewall": "{ udp: block, block: [stun-tcp] }" })).answers.udpBlocked, "no");
});

test("site VPN, full (diagnose-vpn alice): both servers inside; nat1 carries only the tunnel", async () => {
  const t = await truth("diagnose-vpn", "alice");
  assert.deepEqual(t.vpn, {
    mode: "full",
    where: "site",
    client: "office",
    concentrator: "vpn",
    proto: "udp",
    mtu: 1500,
    sipServerInside: true,
    turnServerInside: true,
  });
  assert.deepEqual(
    t.path.turn.map((h) => `${h.node}:${h.sees}`),
    ["office:inner", "nat1:outer", "vpn:inner"],
  );
  assert.deepEqual(
    t.nat.chain.map((n) => n.node),
    ["office", "vpn"],
  );
  assert.deepEqual([t.answers.vpn, t.answers.vpnMode, t.answers.natType], ["yes", "full", "port-restricted-cone"]);
  const timed = await truth("diagnose-vpn", "alice", { "nodes.vpn.natTimeout": "10" });
  assert.equal(timed.nat.outermost?.udpTimeoutSec, 10);
});

test("site VPN, split: SIP inside and TURN direct; a split tunnel that carries neither is a VPN nothing uses", async () => {
  const sipOnly = await truth("diagnose-vpn", "alice", { "nodes.office.mode": "split", "nodes.office.routes": "[kamailio]", "nodes.nat1.nat": "symmetric" });
  assert.equal(sipOnly.vpn?.sipServerInside, true);
  assert.equal(sipOnly.vpn?.turnServerInside, false);
  assert.deepEqual(
    sipOnly.nat.chain.map((n) => n.node),
    ["office", "nat1"],
  );
  assert.equal(sipOnly.answers.natType, "symmetric");
  assert.deepEqual([sipOnly.answers.vpn, sipOnly.answers.vpnMode], ["yes", "split"]);
  const neither = await truth("vpn", "alice", { "nodes.office.mode": "split", "nodes.office.routes": "[10.99.0.0/16]" });
  assert.deepEqual([neither.answers.vpn, neither.answers.vpnMode], ["no", "split"]);
  assert.equal(neither.vpn?.client, "office");
});

test("the seat's own VPN (erin), full and split", async () => {
  const full = await truth("diagnose-vpn", "erin");
  assert.deepEqual(
    [full.vpn?.where, full.vpn?.client, full.vpn?.mode, full.vpn?.sipServerInside, full.vpn?.turnServerInside],
    ["seat", "erin", "full", true, true],
  );
  assert.deepEqual(
    full.path.turn.map((h) => `${h.node}:${h.sees}`),
    ["nat1:outer", "vpn:inner"],
  );
  assert.deepEqual(
    full.nat.chain.map((n) => n.node),
    ["vpn"],
  );
  const split = await truth("diagnose-vpn", "erin", { "nodes.erin.vpn": "{ server: vpn, mode: split, routes: [kamailio] }", "nodes.nat1.nat": "symmetric" });
  assert.deepEqual([split.vpn?.mode, split.vpn?.sipServerInside, split.vpn?.turnServerInside], ["split", true, false]);
  assert.deepEqual(
    split.path.turn.map((h) => `${h.node}:${h.sees}`),
    ["nat1:inner"],
  );
  assert.equal(split.answers.natType, "symmetric");
});

test("ALG behind a VPN: nat1's helper under the full tunnel sees no SIP; with SIP routed direct it does", async () => {
  const behind = await truth("diagnose-vpn", "alice", { "nodes.nat1.alg": "netfilter" });
  assert.deepEqual(behind.sipAlg, []);
  assert.equal(behind.answers.sipAlg, "no");
  assert.ok(behind.notes.some((n) => /nat1's ALG \(netfilter\) sees only the VPN tunnel/.test(n)));
  // SIP routed direct crosses office's masquerade first: the kernel helper then finds the seat's address,
  // not the packet's source, in the messages and rewrites nothing; a userspace ALG rewrites any private one.
  const direct = await truth("diagnose-vpn", "alice", { "nodes.nat1.alg": "netfilter", "nodes.office.mode": "split", "nodes.office.routes": "[turn]" });
  assert.equal(direct.answers.sipAlg, "no");
  assert.ok(direct.notes.some((n) => /kernel helper sits behind a NAT that did not rewrite/.test(n)));
  const userspace = await truth("diagnose-vpn", "alice", {
    "nodes.nat1.alg": "headers-not-sdp",
    "nodes.office.mode": "split",
    "nodes.office.routes": "[turn]",
  });
  assert.equal(userspace.answers.sipAlg, "yes");
  assert.equal(userspace.answers.sipAlgTcp, "no");
  const erin = await truth("diagnose-vpn", "erin", { "nodes.nat1.alg": "netfilter" });
  assert.equal(erin.answers.sipAlg, "no");
  // SIP inside but the mirror outside: a mirror probe meets the ALG the seat's SIP never does.
  const mirror = await truth("diagnose-vpn", "alice", {
    "nodes.nat1.alg": "headers-not-sdp",
    "nodes.office.mode": "split",
    "nodes.office.routes": "[kamailio]",
  });
  assert.equal(mirror.answers.sipAlg, "no");
  assert.ok(mirror.notes.some((n) => /probe to the SIP mirror mirror takes another path .* meets nat1/.test(n)));
});

test("split tunnel with DPI: SIP and the mirror inside, TURN over TCP direct through nat1's stun-tcp", async () => {
  const split = { "nodes.office.mode": "split", "nodes.office.routes": "[kamailio, mirror]", "nodes.nat1.firewall": "{ block: [stun-tcp] }" };
  const t = await truth("diagnose-vpn", "alice", split);
  assert.equal(t.answers.stunOverTcpBlocked, "yes");
  assert.equal(t.dpi.by, "nat1");
  assert.ok(!t.notes.some((n) => /SIP mirror/.test(n)), t.notes.join("\n"));
  const full = await truth("diagnose-vpn", "alice", { "nodes.nat1.firewall": "{ block: [stun-tcp] }" });
  assert.equal(full.answers.stunOverTcpBlocked, "no");
  assert.ok(full.notes.some((n) => /nat1's DPI sees only the tunnel to vpn/.test(n)));
});

test("UDP blocked under a UDP tunnel: the seat is not blocked, but the lab cannot come up (a note)", async () => {
  const t = await truth("diagnose-vpn", "alice", { "nodes.nat1.firewall": "{ udp: block }" });
  assert.equal(t.answers.udpBlocked, "no");
  assert.ok(t.notes.some((n) => /nat1 blocks UDP, which carries the tunnel to vpn \(proto udp\): such a lab cannot come up/.test(n)));
  const tcp = await truth("diagnose-vpn", "alice", { "nodes.nat1.firewall": "{ udp: block }", "nodes.vpn.proto": "tcp" });
  assert.ok(!tcp.notes.some((n) => /cannot come up/.test(n)));
});

test("path MTU without a tunnel: the smallest link end on the way (a node's own, else its network's)", async () => {
  assert.equal((await truth("diagnose-home", "alice")).pathMtu, 1500);
  assert.equal((await truth("diagnose-home", "alice", { "nodes.nat1.linkMtu": "{ internet: 1492 }" })).pathMtu, 1492);
  assert.equal((await truth("diagnose-home", "alice", { "networks.internet.mtu": "1400" })).pathMtu, 1400);
  assert.equal((await truth("diagnose-home", "alice", { "networks.internet.mtu": "1400", "nodes.alice.linkMtu": "{ lan1: 1280 }" })).pathMtu, 1280);
  // A link end above its network's MTU gains nothing: the bridge's side stays at the network's.
  assert.equal((await truth("diagnose-home", "alice", { "nodes.alice.linkMtu": "{ lan1: 9000 }" })).pathMtu, 1500);
  // bob, on the internet itself, crosses no router: only his own end and the TURN server's count.
  assert.equal((await truth("diagnose-home", "bob", { "nodes.nat1.linkMtu": "{ internet: 1492 }" })).pathMtu, 1500);
  const silent = await truth("diagnose-home", "alice", { "nodes.nat1.linkMtu": "{ internet: 1492 }", "nodes.nat1.firewall": "{ fragNeeded: drop }" });
  assert.ok(
    silent.notes.some((n) => /nat1 drops "fragmentation needed" on a path whose MTU is 1492/.test(n)),
    silent.notes.join("\n"),
  );
});

test("path MTU: 1500 without a tunnel, the tunnel's MTU, and what fits one underlay packet when fragments are dropped", async () => {
  assert.equal((await truth("vpn", "bob")).pathMtu, 1500);
  assert.equal((await truth("vpn", "alice")).pathMtu, 1500);
  assert.equal((await truth("vpn", "alice", { "nodes.vpn.mtu": "1400" })).pathMtu, 1400);
  const dropping = await truth("vpn", "alice", { "nodes.vpn.dropFragments": "true" });
  assert.equal(dropping.pathMtu, 1448);
  assert.equal(dropping.answers.pathMtu, 1448);
  assert.ok(dropping.notes.some((n) => /estimated 52 bytes of OpenVPN overhead/.test(n)));
  assert.equal((await truth("vpn", "alice", { "nodes.office.dropFragments": "true" })).pathMtu, 1448);
  assert.equal((await truth("vpn", "alice", { "nodes.vpn.dropFragments": "true", "nodes.vpn.mtu": "1400" })).pathMtu, 1400);
  assert.equal((await truth("vpn", "alice", { "nodes.vpn.dropFragments": "true", "nodes.vpn.proto": "tcp" })).pathMtu, 1500);
  assert.equal((await truth("vpn", "alice", { "nodes.vpn.mtu": "9000" })).pathMtu, 1500);
  const hole = await truth("vpn", "alice", { "nodes.vpn.mtu": "1400", "nodes.office.blockFragNeeded": "true" });
  assert.ok(hole.notes.some((n) => /office never sends "fragmentation needed"/.test(n)));
  assert.equal((await truth("diagnose-vpn", "erin", { "nodes.vpn.mtu": "1400" })).answers.pathMtu, 1400);
});

test("impairments: summed along the path each way, losses combined, matched entries listed apart", async () => {
  const egress = await truth("baseline", "alice", { "nodes.nat1.impair": "{ internet: { egress: { delay: { ms: 40 }, loss: { random: 10 } } } }" });
  assert.deepEqual(egress.impairments.delayMs, { out: 40, back: 0 });
  assert.deepEqual(egress.impairments.lossPercent, { out: 10, back: 0 });
  const chain = await truth("diagnose-home", "dave", {
    "nodes.dave.impair": "{ lan2: { egress: { delay: { ms: 3, jitter: 1 } } } }",
    "nodes.nat2.impair": "{ carrier: { egress: { delay: { ms: 10 }, loss: { random: 10 } } } }",
    "nodes.cgn.impair": "{ internet: { both: { delay: { ms: 5, jitter: 2 }, loss: { random: 10 } } }, carrier: { ingress: { delay: { ms: 7 } } } }",
  });
  assert.deepEqual(chain.impairments.delayMs, { out: 25, back: 5 });
  assert.deepEqual(chain.impairments.jitterMs, { out: 3, back: 2 });
  assert.deepEqual(chain.impairments.lossPercent, { out: 19, back: 10 });
  assert.equal(chain.impairments.links.length, 5);
  const matched = await truth("vpn", "alice", {
    "nodes.office.impair":
      "{ internet: { egress: { match: { to: vpn }, delay: { ms: 150 } }, ingress: { loss: { gemodel: { p: 1, r: 10, 1-h: 70, 1-k: 0.1 } } } } }",
  });
  assert.deepEqual(matched.impairments.delayMs, { out: 0, back: 0 });
  assert.equal(matched.impairments.lossPercent.back, 6.454545);
  assert.ok(
    matched.impairments.links.some((l) => l === "out: office:internet egress: delay 150ms (matched: to vpn; not summed)"),
    matched.impairments.links.join("\n"),
  );
});

test("no TURN server: the TURN questions go unanswered, the labels follow the SIP path", async () => {
  const t = await truth("sip-alg", "alice", { "nodes.nat1.firewall": "{ udp: block }" });
  assert.equal(t.turnServer, null);
  assert.equal(t.answers.udpBlocked, undefined);
  assert.equal(t.udpBlocked.by, "nat1");
  assert.ok(t.notes.some((n) => /no TURN server/.test(n)));
  const one = await truth("sip-alg", "alice", { "nodes.turn": "{ kind: turn-server, network: internet }" });
  assert.equal(one.turnServer, "turn");
  assert.equal(one.answers.natType, "port-restricted-cone");
  const two = await truth("sip-alg", "alice", {
    "nodes.turn": "{ kind: turn-server, network: internet }",
    "nodes.turn2": "{ kind: turn-server, network: internet }",
  });
  assert.equal(two.turnServer, null);
  assert.ok(two.notes.some((n) => /2 TURN servers \(turn, turn2\) and no ice.server/.test(n)));
});
