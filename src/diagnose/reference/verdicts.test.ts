import assert from "node:assert/strict";
import { test } from "node:test";
import { probeInvite } from "../../agent/mirror-probe.js";
import {
  judgeMirror,
  lateVerdict,
  natTypeName,
  natVerdicts,
  type MirrorObs,
  type MtuProbe,
  searchMtu,
  sipAlgVerdicts,
  stunOverTcpVerdict,
  udpBlockedVerdict,
  vpnVerdicts,
  type FlowObs,
  type VpnObs,
} from "./verdicts.js";

const SEAT = "10.77.0.2";
const PUBLIC = "198.51.100.3";
const sent = probeInvite({ user: "alice", domain: "callpath.test", address: SEAT, port: 40000, rtpPort: 40002, mirror: "198.51.100.9:5060" }).message;
const same = { sameLocalRoute: true, serverView: `${PUBLIC}:40000` };
const mirror = (transport: "udp" | "tcp", port: number, received: string | undefined, extra: Partial<MirrorObs> = {}): MirrorObs => ({
  transport,
  port,
  sent,
  ...(received === undefined ? { why: "timeout" } : { answer: { received, source: `${PUBLIC}:40000` } }),
  ...extra,
});
const rewritten = sent.replaceAll(SEAT, PUBLIC);

test("a mirror probe: rewritten is yes with the fields, unchanged is no, no answer is inconclusive", () => {
  const yes = judgeMirror(mirror("udp", 5060, rewritten), same);
  assert.equal(yes.verdict, "yes");
  assert.match(yes.evidence, /via SIP\/2\.0\/UDP 10\.77\.0\.2:40000 → SIP\/2\.0\/UDP 198\.51\.100\.3:40000/);
  assert.match(yes.evidence, /sdp-connection 10\.77\.0\.2 → 198\.51\.100\.3/);
  assert.equal(judgeMirror(mirror("udp", 5060, sent), same).verdict, "no");
  assert.equal(judgeMirror(mirror("udp", 5060, undefined), same).verdict, "inconclusive");
  assert.equal(judgeMirror(undefined, same).verdict, "inconclusive");
});

test("headers rewritten but not the SDP, and a body resized under an unchanged Content-Length, are both rewrites", () => {
  const headersOnly = sent.replace(`${SEAT}:40000;branch`, `${PUBLIC}:40000;branch`).replace(`@${SEAT}:40000`, `@${PUBLIC}:40000`);
  assert.match(judgeMirror(mirror("udp", 5060, headersOnly), same).evidence, /via .*contact/);
  const [head, body] = rewritten.split("\r\n\r\n") as [string, string];
  const unfixed = `${head.replace(/Content-Length: \d+/, `Content-Length: ${Buffer.byteLength(sent.split("\r\n\r\n")[1]!)}`)}\r\n\r\n${body}`;
  const e = judgeMirror(mirror("udp", 5060, unfixed), same);
  assert.equal(e.verdict, "yes");
  assert.match(e.evidence, /Content-Length no longer matches the body/);
});

test("an unchanged TCP INVITE larger than the MSS proves nothing (a helper skips split messages)", () => {
  assert.equal(judgeMirror(mirror("tcp", 5060, sent, { mss: 1448 }), same).verdict, "no");
  assert.equal(judgeMirror(mirror("tcp", 5060, sent, { mss: 200 }), same).verdict, "inconclusive");
  assert.equal(judgeMirror(mirror("tcp", 5060, rewritten, { mss: 200 }), same).verdict, "yes", "a rewrite is a rewrite");
});

test("the mirror speaks for the SIP server's path only when both see the seat from one address", () => {
  assert.equal(judgeMirror(mirror("udp", 5060, rewritten), { sameLocalRoute: false }).verdict, "inconclusive");
  assert.equal(judgeMirror(mirror("udp", 5060, rewritten), { sameLocalRoute: true, serverView: "203.0.113.50:1234" }).verdict, "inconclusive");
  assert.equal(judgeMirror(mirror("udp", 5060, rewritten), { sameLocalRoute: true, serverView: `${PUBLIC}:5555` }).verdict, "yes");
  assert.equal(judgeMirror(mirror("udp", 5060, rewritten), { sameLocalRoute: true }).verdict, "inconclusive", "without the server's view");
  assert.equal(judgeMirror(mirror("udp", 5060, "garbage"), same).verdict, "inconclusive", "an answer that does not parse");
});

test("sipAlg: yes if a 5060 probe was rewritten, no only if both arrived unchanged; 5080 is the control, never the verdict", () => {
  const all = (u: string | undefined, t: string | undefined, c: string | undefined) =>
    sipAlgVerdicts({ udp5060: mirror("udp", 5060, u), tcp5060: mirror("tcp", 5060, t), udp5080: mirror("udp", 5080, c), ...same });
  const only5080 = all(sent, sent, rewritten);
  assert.equal(only5080.sipAlg!.verdict, "no");
  assert.match(only5080.sipAlg!.evidence, /UDP 5080 \(control\): over UDP to the mirror's port 5080 the INVITE arrived rewritten/);
  const kernel = all(rewritten, rewritten, sent);
  assert.deepEqual([kernel.sipAlg!.verdict, kernel.sipAlgUdp!.verdict, kernel.sipAlgTcp!.verdict], ["yes", "yes", "yes"]);
  const userspace = all(rewritten, sent, sent);
  assert.deepEqual([userspace.sipAlg!.verdict, userspace.sipAlgUdp!.verdict, userspace.sipAlgTcp!.verdict], ["yes", "yes", "no"]);
  const clean = all(sent, sent, sent);
  assert.deepEqual([clean.sipAlg!.verdict, clean.sipAlgUdp!.verdict, clean.sipAlgTcp!.verdict], ["no", "no", "no"]);
  const udpBlocked = all(undefined, sent, undefined);
  assert.deepEqual([udpBlocked.sipAlg!.verdict, udpBlocked.sipAlgUdp!.verdict, udpBlocked.sipAlgTcp!.verdict], ["inconclusive", "inconclusive", "no"]);
});

test("udpBlocked: no when UDP answers; yes when STUN over UDP fails while TCP or TLS works (the control says why); else inconclusive", () => {
  const ok = { answered: true };
  const none = { answered: false };
  assert.equal(udpBlockedVerdict({ udp: ok, tcp: ok, tls: ok }).verdict, "no");
  assert.equal(udpBlockedVerdict({ udp: none, tcp: ok, tls: ok, udpControl: false, mirrorTcp: true }).verdict, "yes");
  assert.equal(
    udpBlockedVerdict({ udp: none, tcp: none, tls: ok, udpControl: false, mirrorTcp: true }).verdict,
    "yes",
    "UDP and STUN-in-TCP blocked, TLS through",
  );
  const dpi = udpBlockedVerdict({ udp: none, tcp: ok, tls: ok, udpControl: true, mirrorTcp: true });
  assert.equal(dpi.verdict, "yes", "STUN over UDP dropped by DPI: STUN/TURN over UDP does not get through");
  assert.match(dpi.evidence, /a DPI signature/);
  assert.equal(udpBlockedVerdict({ udp: none, tcp: ok, tls: ok }).verdict, "yes", "without a control too");
  assert.equal(udpBlockedVerdict({ udp: none, tcp: none, tls: none, udpControl: false, mirrorTcp: true }).verdict, "inconclusive");
});

test("stunOverTcpBlocked: no on any STUN answer over TCP; yes when TCP opens, STUN dies and TLS works", () => {
  const tlsOk = { answered: true };
  assert.equal(stunOverTcpVerdict({ connected: true, responses: 2, allocated: { relayed: "198.51.100.8:50000", lifetime: 600 } }, tlsOk).verdict, "no");
  assert.equal(stunOverTcpVerdict({ connected: true, responses: 0, why: "timeout" }, tlsOk).verdict, "yes");
  assert.equal(stunOverTcpVerdict({ connected: true, responses: 0 }, { answered: false }).verdict, "inconclusive");
  assert.equal(stunOverTcpVerdict({ connected: false, responses: 0 }, tlsOk).verdict, "inconclusive");
});

test("RFC 5780: mapping by tests I-III, filtering by CHANGE-REQUEST, the RFC 3489 name from both", () => {
  const base = {
    local: `${SEAT}:40000`,
    alt: "198.51.100.10:3479",
    test1: { mapped: `${PUBLIC}:40000`, other: "198.51.100.10:3479" },
    reach: { altBoth: true, altPort: true },
  };
  const cone = natVerdicts({ ...base, test2: `${PUBLIC}:40000`, filter: { test1: true, alive: true, changeBoth: false, changePort: false } });
  assert.deepEqual(
    [cone.natMapping!.verdict, cone.natFiltering!.verdict, cone.natType!.verdict],
    ["endpoint-independent", "address-and-port-dependent", "port-restricted-cone"],
  );
  const full = natVerdicts({ ...base, test2: `${PUBLIC}:40000`, filter: { test1: true, alive: true, changeBoth: true, changePort: true } });
  assert.equal(full.natType!.verdict, "full-cone");
  const restricted = natVerdicts({ ...base, test2: `${PUBLIC}:40000`, filter: { test1: true, alive: true, changeBoth: false, changePort: true } });
  assert.equal(restricted.natType!.verdict, "restricted-cone");
  const sym = natVerdicts({
    ...base,
    test2: `${PUBLIC}:41234`,
    test3: `${PUBLIC}:52345`,
    filter: { test1: true, alive: true, changeBoth: false, changePort: false },
  });
  assert.deepEqual([sym.natMapping!.verdict, sym.natType!.verdict], ["address-and-port-dependent", "symmetric"]);
  const adm = natVerdicts({ ...base, test2: `${PUBLIC}:41234`, test3: `${PUBLIC}:41234` });
  assert.deepEqual([adm.natMapping!.verdict, adm.natFiltering!.verdict, adm.natType!.verdict], ["address-dependent", "inconclusive", "symmetric"]);
  const none = natVerdicts({ local: `${PUBLIC}:40000`, test1: { mapped: `${PUBLIC}:40000` } });
  assert.deepEqual([none.natMapping!.verdict, none.natFiltering!.verdict, none.natType!.verdict], ["none", "none", "none"]);
  const noAlt = natVerdicts({ local: `${SEAT}:40000`, test1: { mapped: `${PUBLIC}:40000` } });
  assert.equal(noAlt.natMapping!.verdict, "inconclusive");
  assert.equal(natVerdicts({}).natType!.verdict, "inconclusive");
  const lost = natVerdicts({ ...base, test2: null, filter: { test1: false, changeBoth: false, changePort: false } });
  assert.deepEqual([lost.natMapping!.verdict, lost.natFiltering!.verdict], ["inconclusive", "inconclusive"]);
  const broken = natVerdicts({
    ...base,
    test2: `${PUBLIC}:40000`,
    filter: { test1: true, alive: true, changeBoth: false, changePort: false, misdirected: "answered from the primary" },
  });
  assert.equal(broken.natFiltering!.verdict, "inconclusive");
  assert.equal(natTypeName("endpoint-independent", undefined), undefined);
  const firewalled = natVerdicts({
    ...base,
    reach: { altBoth: false, altPort: false },
    test2: null,
    filter: { test1: true, alive: true, changeBoth: false, changePort: false },
  });
  assert.equal(firewalled.natFiltering!.verdict, "inconclusive", "UDP from the other address never arrives: a firewall may be the filter");
  const dead = natVerdicts({ ...base, test2: `${PUBLIC}:40000`, filter: { test1: true, alive: false, changeBoth: false, changePort: false } });
  assert.equal(dead.natFiltering!.verdict, "inconclusive", "the filtering flow was killed");
  const noPort = natVerdicts({
    ...base,
    reach: { altBoth: true, altPort: false },
    test2: `${PUBLIC}:40000`,
    filter: { test1: true, alive: true, changeBoth: false, changePort: false },
  });
  assert.equal(noPort.natFiltering!.verdict, "inconclusive");
  const elsewhere = natVerdicts({
    ...base,
    test2: "198.51.100.77:40000",
    test3: "198.51.100.77:40000",
    filter: { test1: true, alive: true, changeBoth: false, changePort: false },
  });
  assert.deepEqual([elsewhere.natMapping!.verdict, elsewhere.natType!.verdict], ["inconclusive", "inconclusive"], "the other address reached by another path");
  const routed = natVerdicts({
    ...base,
    test2: `${PUBLIC}:40000`,
    altRouteDiffers: "via eth0, not tun0",
    filter: { test1: true, alive: true, changeBoth: false, changePort: false },
  });
  assert.equal(routed.natMapping!.verdict, "inconclusive");
});

test("VPN: a route through a tunnel interface is yes (full or split); none is yes only when too few routers", () => {
  const eth = { name: "eth0", type: 1, mtu: 1500 };
  const tun = { name: "tun0", type: 65534, mtu: 1400 };
  const via = (dev: string, to: string) => ({ to, dev });
  const full: VpnObs = { interfaces: [eth, tun], sip: via("tun0", "a"), turn: via("tun0", "b"), outside: [via("tun0", "1.0.0.1"), via("tun0", "129.0.0.1")] };
  assert.deepEqual([vpnVerdicts(full).vpn!.verdict, vpnVerdicts(full).vpnMode!.verdict], ["yes", "full"]);
  assert.match(vpnVerdicts(full).vpn!.evidence, /tun0 mtu 1400/);
  const split: VpnObs = { ...full, turn: via("eth0", "b"), outside: [via("eth0", "1.0.0.1"), via("eth0", "129.0.0.1")] };
  assert.deepEqual([vpnVerdicts(split).vpn!.verdict, vpnVerdicts(split).vpnMode!.verdict], ["yes", "split"]);
  const bypass: VpnObs = { ...split, sip: via("eth0", "a"), routersToSip: 1, routersToTurn: 1 };
  assert.deepEqual([vpnVerdicts(bypass).vpn!.verdict, vpnVerdicts(bypass).vpnMode!.verdict], ["no", "split"]);
  const home: VpnObs = {
    interfaces: [eth],
    sip: via("eth0", "a"),
    turn: via("eth0", "b"),
    outside: [via("eth0", "1.0.0.1")],
    routersToSip: 1,
    routersToTurn: 1,
  };
  assert.deepEqual([vpnVerdicts(home).vpn!.verdict, vpnVerdicts(home).vpnMode!.verdict], ["no", "inconclusive"]);
  const open: VpnObs = { ...home, routersToSip: 0, routersToTurn: 0 };
  assert.deepEqual([vpnVerdicts(open).vpn!.verdict, vpnVerdicts(open).vpnMode!.verdict], ["no", "none"]);
  const site: VpnObs = { ...home, routersToSip: 2, routersToTurn: 2 };
  assert.deepEqual([vpnVerdicts(site).vpn!.verdict, vpnVerdicts(site).vpnMode!.verdict], ["inconclusive", "inconclusive"]);
  const unmeasured: VpnObs = { ...home, routersToSip: undefined };
  assert.equal(vpnVerdicts(unmeasured).vpn!.verdict, "inconclusive");
  const wg = { name: "office", type: 65534 };
  assert.equal(vpnVerdicts({ ...full, interfaces: [eth, wg], sip: via("office", "a") }).vpn!.verdict, "yes", "a TUN device by its type, whatever its name");
});

test("lateVerdict: yes only for a flow that answered, then died while a fresh one passed; never no", () => {
  const flow = (over: Partial<FlowObs>): FlowObs => ({
    label: "STUN/UDP",
    sent: 400,
    answered: 400,
    silentMs: 0,
    sentWhileSilent: 0,
    freshAnswered: false,
    oldSilentDuringFresh: false,
    durationMs: 4000,
    ...over,
  });
  assert.equal(lateVerdict([]), undefined);
  assert.equal(lateVerdict([flow({})])!.verdict, "inconclusive");
  assert.equal(lateVerdict([flow({ answered: 0, silentMs: 4000, sentWhileSilent: 400 })])!.verdict, "inconclusive", "blocked on sight is not late");
  const killed = flow({ answered: 300, silentMs: 1500, sentWhileSilent: 100, freshAnswered: true, oldSilentDuringFresh: true });
  assert.equal(lateVerdict([killed, flow({ label: "STUN/TCP" })])!.verdict, "yes");
  assert.equal(lateVerdict([{ ...killed, freshAnswered: false }])!.verdict, "inconclusive", "everything went silent: loss or an outage, not a verdict");
});

test("the MTU search: the first link's MTU when it is answered, a hop's ICMP figure when checked, a search in a black hole", async () => {
  const path =
    (limit: number, icmp: boolean): MtuProbe =>
    async (size) => {
      return size <= limit ? { reply: true } : { reply: false, ...(icmp ? { mtuHint: limit } : {}) };
    };
  assert.deepEqual((await searchMtu(1500, path(1500, true))).mtu, 1500);
  assert.deepEqual((await searchMtu(1500, path(1400, true))).mtu, 1400);
  for (const limit of [577, 1000, 1421, 1459, 1499]) assert.equal((await searchMtu(1500, path(limit, false))).mtu, limit, `black hole at ${limit}`);
  assert.equal((await searchMtu(1500, async () => ({ reply: false }))).mtu, undefined, "no ICMP at all");
  let tries = 0;
  const lostOnce: MtuProbe = async (size) => ({ reply: size <= 1500 && (size !== 1500 || tries++ > 0) });
  assert.equal((await searchMtu(1500, lostOnce)).mtu, undefined, "the top size's one lost reply is caught, not taken for a limit");
});
