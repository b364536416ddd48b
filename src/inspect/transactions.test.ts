import assert from "node:assert/strict";
import { test } from "node:test";
import { inspect } from "./inspect.js";
import { transactions } from "./sip.js";
import { fixture } from "./test-fixtures.js";

test("transactions follow a request through a NAT (same branch) and split at a proxy (its own branch)", () => {
  const ts = transactions(fixture("alg-headers-not-sdp"));
  const invites = ts.filter((t) => t.method === "INVITE");
  assert.equal(invites.length, 2, "alice → kamailio, and kamailio → bob");
  const fromAlice = invites.find((t) => t.requests[0]!.src === "10.123.1.2")!;
  assert.equal(fromAlice.transmissions.length, 1, "copies on four interfaces are one transmission");
  assert.ok(fromAlice.requests.length >= 4);
  assert.equal(fromAlice.final?.sip.status, 200);
});

test("a request answered 408, and one with only provisional answers, are reported; an answered one is not", () => {
  const base = fixture("alg-headers-not-sdp");
  const none = inspect("ok.pcapng", base);
  assert.ok(!none.findings.some((f) => f.id === "sip-timeout"));
  // The INVITE's 200 OK turned into 408 Request Timeout on the way back to alice.
  const timedOut = base.map((p) =>
    p.sip?.status === 200 && p.sip.method === "INVITE" ? { ...p, sip: { ...p.sip, status: 408, firstLine: "SIP/2.0 408 Request Timeout" } } : p,
  );
  const r = inspect("408.pcapng", timedOut);
  const f = r.findings.find((x) => x.id === "sip-timeout" && x.facts.kind === "sip-timeout" && x.facts.ending === "408")!;
  assert.match(f.title, /408 Request Timeout/);
  assert.ok(r.causes.some((c) => c.id === "no-answer"));
  // Only 100 Trying and 180 Ringing, no final answer, retransmitted.
  const ringing = base.filter((p) => !(p.sip?.method === "INVITE" && (p.sip.status ?? 0) >= 200));
  const invite = ringing.find((p) => p.sip?.method === "INVITE" && p.sip.status === null && p.iface === "alice:lan1")!;
  const again = { ...invite, no: 99_999, time: invite.time + 0.5 };
  const g = inspect("ringing.pcapng", [...ringing, again]).findings.find((x) => x.facts.kind === "sip-timeout" && x.facts.ending === "provisional-only");
  assert.ok(g, "provisional only");
});
