import assert from "node:assert/strict";
import { test } from "node:test";
import { inspect } from "./inspect.js";
import { anonymous, fixture } from "./test-fixtures.js";

const algOf = (r: ReturnType<typeof inspect>) => r.causes.find((c) => c.id === "sip-alg");

test("both sides of the box: the ALG rewrote Via and Contact and left the SDP private (headers-not-sdp), certain", () => {
  for (const packets of [fixture("alg-headers-not-sdp"), anonymous(fixture("alg-headers-not-sdp"))]) {
    const r = inspect("alg.pcapng", packets);
    const f = r.findings.find((x) => x.id === "alg-rewrite")!;
    assert.equal(f.facts.kind === "alg" && f.facts.profile, "headers-not-sdp");
    assert.deepEqual(f.facts.kind === "alg" && f.facts.rewrote, ["Via", "Contact"]);
    assert.ok(f.facts.kind === "alg" && f.facts.kept.includes("SDP c="));
    assert.equal(f.evidence[0]!.from, "10.123.1.2:5060", "the copy before the box");
    assert.equal(f.evidence[1]!.from, "198.51.100.35:5060", "the copy after it");
    assert.match(f.evidence[1]!.note, /INVITE after it: Via 198\.51\.100\.35:5060, Contact 198\.51\.100\.35:5060, SDP o= 10\.123\.1\.2, SDP c= 10\.123\.1\.2/);
    const cause = algOf(r)!;
    assert.equal(cause.confidence, "certain");
    assert.equal(cause.alg, "headers-not-sdp");
    assert.ok(
      cause.findings.some((i) => r.findings[i]!.id === "rtp-one-way"),
      "the one-way audio is its symptom",
    );
  }
});

test("one side only: the provider's, the far end's (through the proxy's Via), the phone's (received= turned back)", () => {
  const all = fixture("alg-headers-not-sdp");
  const provider = inspect("kamailio.pcap", anonymous(all, "kamailio:internet"));
  assert.equal(algOf(provider)?.alg, "headers-not-sdp");
  assert.equal(algOf(provider)?.confidence, "likely");
  assert.match(provider.findings[0]!.detail, /Via and Contact name the address it came from, 198\.51\.100\.35; the SDP names a private one/);
  const farEnd = inspect("bob.pcap", anonymous(all, "bob:internet"));
  assert.equal(algOf(farEnd)?.alg, "headers-not-sdp");
  assert.match(farEnd.findings[0]!.detail, /was forwarded by 198\.51\.100\.33; its originator's Via says it came from 198\.51\.100\.35/);
  const phone = inspect("alice.pcap", anonymous(all, "alice:lan1"));
  assert.equal(phone.findings[0]!.id, "alg-received-rewritten");
  assert.equal(algOf(phone)?.alg, "headers-not-sdp", "an ALG is there and no audio comes back");
  assert.equal(algOf(phone)?.confidence, "likely");
});

test("the kernel helper: everything rewritten, Content-Length fixed; invisible from the public side alone", () => {
  const all = fixture("alg-netfilter");
  const r = inspect("nf.pcapng", all);
  const f = r.findings.find((x) => x.id === "alg-rewrite")!;
  assert.equal(f.facts.kind === "alg" && f.facts.profile, "netfilter");
  assert.deepEqual(f.facts.kind === "alg" && f.facts.rewrote, ["Via", "Contact", "SDP o=", "SDP c=", "Content-Length"]);
  assert.equal(algOf(r)?.confidence, "certain");
  // A public phone and a phone behind a full rewrite look alike to the provider: nothing is claimed.
  assert.equal(inspect("k.pcap", anonymous(all, "kamailio:internet")).causes.length, 0);
  const phone = inspect("a.pcap", anonymous(all, "alice:lan1"));
  assert.equal(algOf(phone)?.confidence, "possible");
  assert.equal(algOf(phone)?.alg, "netfilter");
});

test("no ALG: the same request on both sides differs only in its source (behind a NAT, context, no cause)", () => {
  const r = inspect("vpn.pcapng", fixture("vpn-drop-fragments"));
  const nat = r.findings.find((f) => f.id === "behind-nat")!;
  assert.equal(nat.severity, "context");
  assert.match(nat.title, /10\.123\.3\.2 is behind a NAT \(public 198\.51\.100\.35\); no ALG rewrote its SIP/);
  assert.ok(!r.causes.some((c) => c.id === "sip-alg"));
  // WebRTC over WSS: no address in the headers, and TLS besides.
  const w = inspect("webrtc.pcapng", fixture("webrtc-udp-blocked"));
  assert.match(w.findings.find((f) => f.id === "behind-nat")!.title, /SIP over TLS, which no ALG can read/);
});

test("what else a box can get wrong: Content-Length left behind a grown SDP; Contact rewritten to port 5060", () => {
  const all = fixture("alg-netfilter");
  const invite = (p: (typeof all)[number]): boolean => p.sip?.method === "INVITE" && p.sip.status === null;
  // The same capture, as if the box had not fixed Content-Length.
  const unfixed = all.map((p) => (invite(p) && p.src.startsWith("198.") ? { ...p, sip: { ...p.sip!, contentLength: 151 } } : p));
  const a = inspect("cl.pcapng", unfixed);
  assert.equal(algOf(a)?.alg, "content-length-unfixed");
  assert.match(a.findings[0]!.detail, /the SDP grew by 6 byte\(s\) but Content-Length stayed 151/);
  // As if the phone sent from 5070, the NAT mapped it to 40000 and the box wrote 5060 into Contact.
  const moved = all.map((p) => {
    if (p.sip?.status !== null || !p.addressing || p.addressing.contact?.user !== "alice") return p;
    const inside = p.src.startsWith("10.");
    const port = inside ? 5070 : 40000;
    const via = p.addressing.via.map((v, i) => (i === 0 ? { ...v, port } : v));
    const contact = p.addressing.contact ? { ...p.addressing.contact, port: inside ? 5070 : 5060 } : null;
    return { ...p, sport: port, addressing: { ...p.addressing, via, contact } };
  });
  assert.equal(algOf(inspect("port.pcapng", moved))?.alg, "wrong-contact-port");
  // The public side alone: Contact names port 5060, the request came from another port, and Via says so.
  const outside = anonymous(moved).filter((p) => !p.src.startsWith("10.") && !p.dst.startsWith("10."));
  const r = inspect("port-provider.pcap", outside);
  assert.equal(algOf(r)?.alg, "wrong-contact-port");
  assert.match(r.findings[0]!.detail, /Contact names 198\.51\.100\.35:5060 while the request came from port 40000/);
});

test("the same two faults from real labs: Content-Length left at 151 (the INVITE answered 400); Contact at 5060 for a phone on 5070 (inbound calls 408)", () => {
  const cl = inspect("cl.pcapng", fixture("alg-content-length-unfixed"));
  assert.equal(algOf(cl)?.alg, "content-length-unfixed");
  assert.equal(algOf(cl)?.confidence, "certain");
  const port = inspect("port.pcapng", fixture("alg-wrong-contact-port"));
  const cause = algOf(port)!;
  assert.equal(cause.alg, "wrong-contact-port");
  assert.match(cause.because, /The unanswered requests follow from it/);
  assert.ok(
    cause.findings.some((i) => port.findings[i]!.facts.kind === "sip-timeout" && port.findings[i]!.title.includes("408")),
    "bob's 408 is its symptom",
  );
  assert.deepEqual(
    port.causes.map((c) => c.id),
    ["sip-alg"],
    "the proxy's unanswered INVITE is not a UDP block: UDP reaches the proxy",
  );
  assert.equal((port.skeleton.topology.nodes as Record<string, { alg?: string }>).nat1?.alg, "wrong-contact-port");
});
