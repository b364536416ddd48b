import assert from "node:assert/strict";
import { test } from "node:test";
import { splitHostPort, topVia, viaSource } from "./via.js";

const response = (via: string): string => `SIP/2.0 200 OK\r\nVia: ${via}\r\nCSeq: 1 OPTIONS\r\n\r\n`;

test("the top Via's source: received and rport where the server filled them in, else the sent-by", () => {
  const filled = topVia(response("SIP/2.0/UDP 10.0.1.2:5070;branch=z9hG4bKa;rport=40001;received=198.51.100.9, SIP/2.0/UDP 10.9.9.9;branch=z9hG4bKb"));
  assert.equal(filled?.branch, "z9hG4bKa");
  assert.deepEqual(viaSource(filled!), { host: "198.51.100.9", port: 40001 });
  assert.deepEqual(viaSource(topVia(response("SIP/2.0/UDP 10.0.1.2:5070;branch=z9hG4bKa;rport"))!), { host: "10.0.1.2", port: 5070 });
  assert.deepEqual(viaSource(topVia(response("SIP/2.0/UDP 10.0.1.2;branch=z9hG4bKa"))!), { host: "10.0.1.2", port: 5060 });
  assert.equal(topVia(response("nonsense here")), undefined);
  assert.equal(topVia("SIP/2.0 200 OK\r\n\r\n"), undefined);
});

test("host:port split, refusing what is not one", () => {
  assert.deepEqual(splitHostPort("198.51.100.2:5080"), { host: "198.51.100.2", port: 5080 });
  for (const bad of ["198.51.100.2", "198.51.100.2:", ":5060", "198.51.100.2:70000", "a b:1"]) assert.throws(() => splitHostPort(bad), /not a host:port/);
});
