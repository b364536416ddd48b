import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { parseDissection, stunTypeName, tsharkArgs } from "./dissect.js";

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}.tshark.json`, import.meta.url), "utf8");

test("tshark's JSON becomes packets with the SIP and SDP fields of each hop", () => {
  const packets = parseDissection(fixture("alg-netfilter"));
  const invites = packets.filter((p) => p.sip?.method === "INVITE" && p.sip.status === null);
  const atLan = invites.find((p) => p.iface === "alice:lan1")!;
  const atWan = invites.find((p) => p.iface === "nat1:internet")!;
  assert.equal(atLan.sip!.callId, atWan.sip!.callId);
  assert.match(atLan.sip!.sdp!.c[0]!, /IN IP4 10\./);
  assert.match(atWan.sip!.sdp!.c[0]!, /IN IP4 198\.51\.100\./, "the kernel helper rewrote c= at the WAN");
  assert.equal(atLan.transport, "udp");
  assert.equal(atLan.dport, 5060);
  const ok = packets.find((p) => p.sip?.status === 200 && p.sip.method === "INVITE");
  assert.ok(ok, "responses carry their CSeq method");
  assert.ok(
    packets.some((p) => p.rtp && !p.sip),
    "RTP is found by its header (heuristic dissector)",
  );
});

test("STUN message types decode to method and class", () => {
  assert.equal(stunTypeName("0x0001"), "Binding request");
  assert.equal(stunTypeName("0x0101"), "Binding success");
  assert.equal(stunTypeName("0x0003"), "Allocate request");
  assert.equal(stunTypeName("0x0113"), "Allocate error");
  assert.equal(stunTypeName("0x0016"), "Send indication");
});

test("no frames, or frames without IPv4, give no packets; the arguments ask for every field", () => {
  assert.deepEqual(parseDissection(""), []);
  assert.deepEqual(parseDissection('[{"_source":{"layers":{"frame.number":["1"]}}}]'), []);
  const args = tsharkArgs("/w/lab.pcapng");
  assert.deepEqual(args.slice(0, 2), ["-r", "/w/lab.pcapng"]);
  assert.ok(args.includes("sip.Contact") && args.includes("rtp.heuristic_rtp:TRUE"));
});
