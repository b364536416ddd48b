import assert from "node:assert/strict";
import { test } from "node:test";
import { datagrams } from "./fragments.js";
import { inspect } from "./inspect.js";
import { anonymous, fixture } from "./test-fixtures.js";

test("a large INVITE in IP fragments, sent until Timer B and never answered, while the REGISTER was: fragments dropped, certain", () => {
  for (const packets of [fixture("vpn-drop-fragments"), anonymous(fixture("vpn-drop-fragments")), anonymous(fixture("vpn-drop-fragments"), "alice:lan1")]) {
    const r = inspect("vpn.pcapng", packets);
    const cause = r.causes[0]!;
    assert.equal(cause.id, "fragments-dropped");
    assert.equal(cause.confidence, "certain");
    assert.match(cause.because, /while 1 smaller request from the same sender over UDP \(REGISTER\) was answered/);
    const timeout = r.findings.find((f) => f.id === "sip-timeout")!;
    assert.ok(timeout.facts.kind === "sip-timeout" && timeout.facts.fragmented && timeout.facts.ending === "nothing");
    assert.ok(timeout.facts.kind === "sip-timeout" && timeout.facts.size > 2000);
    assert.match(timeout.title, /INVITE \(Call-ID \S+\) from 10\.123\.3\.2 to 198\.51\.100\.33 over UDP: 7 transmissions in 32 s, no answer/);
    assert.match(timeout.detail, /never answered: the sender gave up \(Timer B, 32 s\)/);
  }
});

test("the fragments themselves: the INVITE's, and the tunnel's own on the underlay; where the INVITE stopped", () => {
  const packets = fixture("vpn-drop-fragments");
  const ds = datagrams(packets);
  assert.ok(ds.some((d) => d.carries.startsWith("SIP INVITE") && d.size === 2475 && d.completed !== null));
  assert.ok(ds.some((d) => d.carries.startsWith("OpenVPN")));
  const r = inspect("vpn.pcapng", packets);
  const f = r.findings.find((x) => x.id === "ip-fragments")!;
  assert.ok(f.facts.kind === "fragments" && f.facts.tunnel === "openvpn" && f.facts.sipRequests.length === 7);
  assert.match(f.evidence[1]!.note, /last fragment: SIP INVITE .*2475 bytes reassembled/);
  // It went on inside the tunnel, in a tunnel packet that was itself fragmented on the underlay.
  assert.match(
    r.findings.find((x) => x.id === "sip-timeout")!.detail,
    /It went into office's tunnel \(in on office:lan1; a tunnel packet left office:internet at that moment, frame \d+/,
  );
  assert.ok(r.findings.some((x) => x.id === "vpn-tunnel"));
});

test("ICMP fragmentation needed names the MTU (a 1400-byte tunnel, SIP over TCP); fragments that arrived are context", () => {
  const r = inspect("mtu.pcapng", fixture("vpn-mtu-1400"));
  const f = r.findings.find((x) => x.id === "icmp-frag-needed")!;
  assert.match(f.title, /ICMP "fragmentation needed" from 10\.123\.1\.1: a link on the path has an MTU of 1400 bytes/);
  assert.equal(f.facts.kind === "frag-needed" && f.facts.mtu, 1400);
  assert.equal(f.evidence[0]!.from, "10.123.1.1", "an ICMP error's ports are its quoted packet's: not shown");
  assert.match(f.evidence[0]!.note, /about 10\.123\.1\.2 → 198\.51\.100\.33/);
  // Kamailio's INVITE to bob went in fragments and was answered: context, no cause.
  assert.equal(r.findings.find((x) => x.id === "ip-fragments")!.severity, "context");
  assert.equal(r.causes.length, 0);
  const vpn = (r.skeleton.topology.nodes as Record<string, Record<string, unknown>>).vpn!;
  assert.equal(vpn.mtu, 1400);
  assert.equal(vpn.mssfix, 0);
});

test("a fragment never completed is said so", () => {
  const firstOnly = fixture("vpn-drop-fragments").filter((p) => !(p.fragment && p.fragment.offset > 0));
  const g = inspect("lost.pcap", firstOnly).findings.find((x) => x.id === "ip-fragments")!;
  assert.equal(g.severity, "problem");
  assert.match(g.detail, /lacked a fragment everywhere it was captured/);
});
