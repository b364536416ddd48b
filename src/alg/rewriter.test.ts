import assert from "node:assert/strict";
import { test } from "node:test";
import { AlgRules, ALG_PROFILE_NAMES, profileRules } from "./alg-rules.js";
import { AlgState, isPrivateLiteral, rewriteInbound, rewriteOutbound } from "./rewriter.js";
import { parseSip } from "./sip-text.js";

const egress = { publicIp: "198.51.100.3", publicPort: 40000 };

function invite({ toTag = false, body = sdp("10.123.0.2", 16384) } = {}): Buffer {
  return Buffer.from(
    [
      "INVITE sip:bob@callpath.test SIP/2.0",
      "Via: SIP/2.0/UDP 10.123.0.2:5060;branch=z9hG4bK1;rport",
      "From: <sip:alice@callpath.test>;tag=a",
      `To: <sip:bob@callpath.test>${toTag ? ";tag=b" : ""}`,
      "Call-ID: c1",
      "CSeq: 2 INVITE",
      "Contact: <sip:alice@10.123.0.2:5060;transport=udp>",
      "Content-Type: application/sdp",
      `Content-Length: ${Buffer.byteLength(body)}`,
      "",
      body,
    ].join("\r\n"),
  );
}

function sdp(ip: string, port: number): string {
  return `v=0\r\no=- 1 0 IN IP4 ${ip}\r\ns=-\r\nc=IN IP4 ${ip}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\n`;
}

function register(cseq: number): Buffer {
  return Buffer.from(
    `REGISTER sip:callpath.test SIP/2.0\r\nVia: SIP/2.0/UDP 10.123.0.2:5060;branch=z9hG4bK${cseq}\r\nCall-ID: r1\r\nCSeq: ${cseq} REGISTER\r\nContact: <sip:alice@10.123.0.2:5060>\r\nContent-Length: 0\r\n\r\n`,
  );
}

const text = (v: { verdict: string; payload?: Buffer }): string => (v.verdict === "pass" ? v.payload!.toString("latin1") : "");

test("a correct ALG rewrites Via, Contact, o= and c= to the mapping and fixes Content-Length", () => {
  const v = rewriteOutbound(invite(), egress, AlgRules.parse({}), new AlgState());
  const out = text(v);
  assert.match(out, /^Via: SIP\/2\.0\/UDP 198\.51\.100\.3:40000;branch=z9hG4bK1;rport$/m);
  assert.match(out, /^Contact: <sip:alice@198\.51\.100\.3:40000;transport=udp>$/m);
  assert.match(out, /^o=- 1 0 IN IP4 198\.51\.100\.3\r$/m);
  assert.match(out, /^c=IN IP4 198\.51\.100\.3\r$/m);
  assert.match(out, /^m=audio 16384 /m, "the media port is kept, as Linux tries to");
  const msg = parseSip(out);
  assert.ok(msg.ok);
  assert.equal(Number(/Content-Length: (\d+)/.exec(out)![1]), Buffer.byteLength(msg.msg.body));
});

test("headers-not-sdp leaves the SDP private", () => {
  const out = text(rewriteOutbound(invite(), egress, profileRules("headers-not-sdp"), new AlgState()));
  assert.match(out, /^Contact: <sip:alice@198\.51\.100\.3:40000/m);
  assert.match(out, /^c=IN IP4 10\.123\.0\.2\r$/m);
});

test("wrong-contact-port writes 5060 into Contact, the mapped port into Via", () => {
  const out = text(rewriteOutbound(invite(), egress, profileRules("wrong-contact-port"), new AlgState()));
  assert.match(out, /^Contact: <sip:alice@198\.51\.100\.3:5060;/m);
  assert.match(out, /^Via: SIP\/2\.0\/UDP 198\.51\.100\.3:40000;/m);
});

test("content-length-unfixed leaves the old Content-Length though the body grew", () => {
  const before = invite();
  const out = text(rewriteOutbound(before, egress, profileRules("content-length-unfixed"), new AlgState()));
  const declared = Number(/Content-Length: (\d+)/.exec(out)![1]);
  assert.equal(declared, Buffer.byteLength(sdp("10.123.0.2", 16384)));
  assert.ok(Buffer.byteLength(out.slice(out.indexOf("\r\n\r\n") + 4)) > declared);
});

test("reinvite-realloc announces a new media port on a re-INVITE only", () => {
  const rules = profileRules("reinvite-realloc");
  assert.match(text(rewriteOutbound(invite(), egress, rules, new AlgState())), /^m=audio 16384 /m);
  assert.match(text(rewriteOutbound(invite({ toTag: true }), egress, rules, new AlgState())), /^m=audio 16386 /m);
});

test("drop-register-refresh passes the first REGISTER and its retransmission, drops the refresh", () => {
  const rules = profileRules("drop-register-refresh");
  const state = new AlgState();
  assert.equal(rewriteOutbound(register(1), egress, rules, state).verdict, "pass");
  assert.equal(rewriteOutbound(register(1), egress, rules, state).verdict, "pass");
  const refresh = rewriteOutbound(register(2), egress, rules, state);
  assert.equal(refresh.verdict, "drop");
  assert.match(refresh.summary, /refresh/);
});

test("public addresses and host names are never rewritten (a STUN-aware phone passes untouched)", () => {
  const out = text(rewriteOutbound(invite({ body: sdp("203.0.113.9", 20000) }), egress, AlgRules.parse({}), new AlgState()));
  assert.match(out, /^c=IN IP4 203\.0\.113\.9\r$/m);
  assert.equal(isPrivateLiteral("sip.callpath.test"), false);
  assert.equal(isPrivateLiteral("100.64.1.1"), true, "CGNAT space counts as private (RFC 6598)");
  assert.equal(isPrivateLiteral("172.32.0.1"), false);
});

test("inbound, the ALG restores exactly what it wrote: Via with received/rport, Contact, Request-URI", () => {
  const state = new AlgState();
  rewriteOutbound(invite(), egress, AlgRules.parse({}), state);
  const response = Buffer.from(
    "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 198.51.100.3:40000;branch=z9hG4bK1;rport=40000;received=198.51.100.3\r\nCSeq: 2 INVITE\r\nContact: <sip:alice@198.51.100.3:40000>\r\nContent-Length: 0\r\n\r\n",
  );
  const back = text(rewriteInbound(response, { privateIp: "10.123.0.2", privatePort: 5060 }, state));
  assert.match(back, /^Via: SIP\/2\.0\/UDP 10\.123\.0\.2:5060;branch=z9hG4bK1;rport=5060;received=10\.123\.0\.2$/m);
  assert.match(back, /^Contact: <sip:alice@10\.123\.0\.2:5060>$/m);
  const request = Buffer.from(
    "BYE sip:alice@198.51.100.3:40000;transport=udp SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKx\r\nCSeq: 3 BYE\r\nContent-Length: 0\r\n\r\n",
  );
  assert.match(
    text(rewriteInbound(request, { privateIp: "10.123.0.2", privatePort: 5060 }, state)),
    /^BYE sip:alice@10\.123\.0\.2:5060;transport=udp SIP\/2\.0/,
  );
  const foreign = Buffer.from("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 198.51.100.9:5060;branch=z9hG4bK2\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
  assert.equal(rewriteInbound(foreign, { privateIp: "10.123.0.2", privatePort: 5060 }, state).changes.length, 0);
});

test("every named profile parses to complete rules", () => {
  for (const name of ALG_PROFILE_NAMES) assert.deepEqual(Object.keys(profileRules(name)).sort(), Object.keys(AlgRules.parse({})).sort());
});

// Hostile and malformed input: the ALG passes it untouched (or drops it) and says why; it never throws.
const HOSTILE: Array<[string, Buffer]> = [
  ["empty", Buffer.alloc(0)],
  ["binary junk", Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 131) % 256))],
  ["a lone CRLF keep-alive", Buffer.from("\r\n\r\n")],
  ["truncated in the headers", invite().subarray(0, 120)],
  ["truncated in the body", invite().subarray(0, invite().length - 20)],
  [
    "Content-Length larger than the body",
    Buffer.from(
      invite()
        .toString()
        .replace(/Content-Length: \d+/, "Content-Length: 9999"),
    ),
  ],
  [
    "Content-Length not a number",
    Buffer.from(
      invite()
        .toString()
        .replace(/Content-Length: \d+/, "Content-Length: lots"),
    ),
  ],
  [
    "no CSeq",
    Buffer.from(
      invite()
        .toString()
        .replace(/CSeq: .*\r\n/, ""),
    ),
  ],
  ["a 64 KB header", Buffer.from(`INVITE sip:x@y SIP/2.0\r\nX-Big: ${"a".repeat(65_000)}\r\nCSeq: 1 INVITE\r\n\r\n`)],
  ["ten thousand headers", Buffer.from(`INVITE sip:x@y SIP/2.0\r\n${"X: 1\r\n".repeat(10_000)}CSeq: 1 INVITE\r\n\r\n`)],
  ["NUL bytes in a header", Buffer.from("INVITE sip:x@y SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1\0\0:5060\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")],
  ["a header line with no colon", Buffer.from("INVITE sip:x@y SIP/2.0\r\nthis is not a header\r\nCSeq: 1 INVITE\r\n\r\n")],
  [
    "an address with octets over 255",
    Buffer.from(
      "INVITE sip:x@y SIP/2.0\r\nVia: SIP/2.0/UDP 10.999.0.1:5060;branch=z\r\nContact: <sip:a@10.1.2.300:99999>\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
    ),
  ],
  ["HTTP, not SIP", Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n")],
];

for (const [name, payload] of HOSTILE) {
  test(`hostile input passes through untouched and explained: ${name}`, () => {
    for (const rules of [AlgRules.parse({}), ...ALG_PROFILE_NAMES.map(profileRules)]) {
      const state = new AlgState();
      const out = rewriteOutbound(payload, egress, rules, state);
      assert.ok(out.summary.length > 0);
      if (out.verdict === "pass" && out.changes.length === 0) assert.ok(out.payload.equals(payload), "an untouched packet leaves byte for byte");
      const back = rewriteInbound(payload, { privateIp: "10.0.0.1", privatePort: 5060 }, state);
      assert.equal(back.verdict, "pass");
    }
  });
}

test("the ALG's memory is bounded", () => {
  const state = new AlgState(8);
  for (let i = 0; i < 100; i++) state.wrote(`198.51.100.3:${i}`, `10.0.0.1:${i}`);
  assert.equal(state.originalOf("198.51.100.3:0"), undefined);
  assert.equal(state.originalOf("198.51.100.3:99"), "10.0.0.1:99");
});

test("an ALG limited to requests leaves a phone's answers alone; one limited to responses, its offers", () => {
  const answer = Buffer.from(
    invite({ toTag: true })
      .toString("latin1")
      .replace(/^INVITE \S+ SIP\/2\.0/, "SIP/2.0 200 OK"),
    "latin1",
  );
  const requestsOnly = AlgRules.parse({ messages: "requests" });
  assert.match(text(rewriteOutbound(invite(), egress, requestsOnly, new AlgState())), /^c=IN IP4 198\.51\.100\.3$/m);
  const untouched = rewriteOutbound(answer, egress, requestsOnly, new AlgState());
  assert.equal(text(untouched), answer.toString("latin1"));
  assert.match((untouched as { summary: string }).summary, /200 INVITE untouched \(the rules rewrite requests\)/);
  const responsesOnly = AlgRules.parse({ messages: "responses" });
  assert.equal(text(rewriteOutbound(invite(), egress, responsesOnly, new AlgState())), invite().toString("latin1"));
  assert.match(text(rewriteOutbound(answer, egress, responsesOnly, new AlgState())), /^c=IN IP4 198\.51\.100\.3$/m);
});

test("an ALG limited to some methods rewrites those only (a response by its CSeq method)", () => {
  const inviteOnly = AlgRules.parse({ methods: ["INVITE"] });
  assert.match(text(rewriteOutbound(invite(), egress, inviteOnly, new AlgState())), /^c=IN IP4 198\.51\.100\.3$/m);
  assert.equal(text(rewriteOutbound(register(1), egress, inviteOnly, new AlgState())), register(1).toString("latin1"));
  const registerOnly = AlgRules.parse({ methods: ["REGISTER"] });
  assert.equal(text(rewriteOutbound(invite(), egress, registerOnly, new AlgState())), invite().toString("latin1"));
  assert.notEqual(text(rewriteOutbound(register(1), egress, registerOnly, new AlgState())), register(1).toString("latin1"));
  assert.equal(AlgRules.safeParse({ methods: ["INVITE", "INVITE"] }).success, false);
  assert.equal(AlgRules.safeParse({ methods: ["invite"] }).success, false, "methods are written as on the wire");
  assert.deepEqual(JSON.parse(JSON.stringify(AlgRules.parse({}))), AlgRules.parse({}), "the rules survive the trip into the router");
});
