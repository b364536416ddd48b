import assert from "node:assert/strict";
import { test } from "node:test";
import { TopologyError } from "../../common/errors.js";
import { builtinKinds } from "../builtin.js";
import { parseTopology } from "../../topology/load.js";

const head = `name: t
networks:
  internet: { public: true }
nodes:
  kamailio: { kind: sip-server, network: internet }
  turn: { kind: turn-server, network: internet }
`;

function problems(nodes: string): string[] {
  try {
    parseTopology(head + nodes, "t.yaml", builtinKinds());
  } catch (e) {
    assert.ok(e instanceof TopologyError);
    return e.issues.map((i) => `${i.path}: ${i.message}`);
  }
  return [];
}

test("a WebRTC agent with ICE servers from the topology is valid", () => {
  assert.deepEqual(
    problems(
      "  alice: { kind: user-agent, network: internet, sip: { server: kamailio, transport: wss }, ice: { server: turn, turn: [tls], policy: relay } }\n",
    ),
    [],
  );
});

test("ICE on a SIP/UDP agent, latching on a WebRTC one, and relay with no TURN are named with their fields", () => {
  const p = problems(
    [
      "  a: { kind: user-agent, network: internet, sip: { server: kamailio }, ice: { server: turn } }",
      "  b: { kind: user-agent, network: internet, sip: { server: kamailio, transport: ws }, latchMedia: true }",
      "  c: { kind: user-agent, network: internet, sip: { server: kamailio, transport: wss }, ice: { server: turn, turn: [], policy: relay } }",
      "",
    ].join("\n"),
  );
  assert.ok(
    p.some((x) => /^nodes\.a\.ice: .*set sip\.transport to ws or wss/.test(x)),
    p.join("\n"),
  );
  assert.ok(
    p.some((x) => /^nodes\.b\.latchMedia: /.test(x)),
    p.join("\n"),
  );
  assert.ok(
    p.some((x) => /^nodes\.c\.ice\.turn: .*udp, tcp or tls/.test(x)),
    p.join("\n"),
  );
});

test("the ICE server must be a turn-server, and TURN transports are checked by name", () => {
  const p = problems(
    [
      "  a: { kind: user-agent, network: internet, sip: { server: kamailio, transport: wss }, ice: { server: kamailio } }",
      "  b: { kind: user-agent, network: internet, sip: { server: kamailio, transport: wss }, ice: { server: turn, turn: [quic] } }",
      "",
    ].join("\n"),
  );
  assert.ok(
    p.some((x) => /^nodes\.a\.ice\.server: "kamailio" is a sip-server; expected turn-server/.test(x)),
    p.join("\n"),
  );
  assert.ok(
    p.some((x) => /^nodes\.b\.ice\.turn\[0\]: must be one of: udp \| tcp \| tls; got the string "quic"/.test(x)),
    p.join("\n"),
  );
});

test("fields only one transport or mode reads are rejected elsewhere, with the reason", () => {
  const p = problems(
    [
      "  a: { kind: user-agent, network: internet, sip: { server: kamailio, transport: tcp, localPort: 5070, serverPort: 5080 } }",
      "  b: { kind: user-agent, network: internet, sip: { server: kamailio, transport: wss }, sdpPadding: 100 }",
      "  c: { kind: user-agent, network: internet, sip: { server: kamailio }, answer: manual, answerDelayMs: 10 }",
      "",
    ].join("\n"),
  );
  assert.ok(p.includes("nodes.a.sip.localPort: the local SIP port is for SIP over UDP (sip.transport udp); it is tcp"), p.join("\n"));
  assert.ok(
    p.some((x) => x.startsWith("nodes.a.sip.serverPort: the server's UDP port is for SIP over UDP")),
    p.join("\n"),
  );
  assert.ok(
    p.some((x) => x.startsWith("nodes.b.sdpPadding: SDP padding is for plain RTP")),
    p.join("\n"),
  );
  assert.ok(
    p.some((x) => x.startsWith("nodes.c.answerDelayMs: the answer delay is for answer: auto")),
    p.join("\n"),
  );
});

test("a SIP user is bounded, and every choice of a union of literals is named", () => {
  const p = problems(`  a: { kind: user-agent, network: internet, sip: { server: kamailio, user: ${"u".repeat(100_000)}, serverPort: 5061 } }\n`);
  assert.ok(p.includes("nodes.a.sip.user: too long (100000 characters); at most 64"), p.join("\n"));
  assert.ok(p.includes("nodes.a.sip.serverPort: must be one of: 5060 | 5080; got the number 5061"), p.join("\n"));
});
