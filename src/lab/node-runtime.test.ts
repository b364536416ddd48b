import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCidr } from "../common/ipv4.js";
import { builtinKinds } from "../kinds/builtin.js";
import { parseTopology } from "../topology/load.js";
import { addressBook } from "./node-runtime.js";

const topo = parseTopology(
  `name: t
networks: { lan1: {}, internet: { public: true, subnet: 198.51.100.0/27 } }
nodes:
  kamailio: { kind: sip-server, network: internet }
  turn: { kind: turn-server, network: internet, rfc5780: true }
  nat1: { kind: nat-router, lan: lan1, wan: internet }
  alice: { kind: user-agent, network: lan1, gateway: nat1, sip: { server: kamailio } }
  bob: { kind: user-agent, network: internet, sip: { server: kamailio }, addresses: { internet: 198.51.100.20 } }
`,
  "t.yaml",
  builtinKinds(),
);
const subnets = new Map([
  ["lan1", parseCidr("10.123.7.0/24")!],
  ["internet", parseCidr("198.51.100.0/27")!],
]);

test("addresses follow declaration order and fixed addresses, from the subnets the networks have", () => {
  const book = addressBook(topo, subnets, "lab1");
  assert.equal(book.addressOf("kamailio"), "198.51.100.1");
  assert.deepEqual(book.addressesOf("turn", "internet"), ["198.51.100.2", "198.51.100.3"]);
  assert.equal(book.addressOf("nat1", "lan1"), "10.123.7.1");
  assert.equal(book.addressOf("alice"), "10.123.7.2");
  assert.equal(book.addressOf("bob"), "198.51.100.20");
  assert.deepEqual(
    [...book.primary.get("nat1")!],
    [
      ["lan1", "10.123.7.1"],
      ["internet", "198.51.100.4"],
    ],
  );
});

test("the same topology and subnets give the same book: what an attached lab relies on", () => {
  const a = addressBook(topo, subnets, "lab1");
  const b = addressBook(topo, new Map([...subnets].reverse()), "lab1");
  assert.deepEqual(
    [...a.primary].map(([n, m]) => [n, [...m]]),
    [...b.primary].map(([n, m]) => [n, [...m]]),
  );
});

test("an unknown node or network is named with the choices", () => {
  const book = addressBook(topo, subnets, "lab1");
  assert.throws(() => book.addressOf("carol"), /no node "carol" in lab lab1; nodes: kamailio, turn, nat1, alice, bob/);
  assert.throws(() => book.addressOf("alice", "internet"), /node "alice" is not on network "internet"/);
  assert.throws(() => addressBook(topo, new Map([["internet", subnets.get("internet")!]]), "lab1"), /no subnet for network "lan1"; networks: internet/);
});
