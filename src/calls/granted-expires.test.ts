import assert from "node:assert/strict";
import { test } from "node:test";
import { traceEntry } from "../agent/sip-trace.js";
import { grantedExpires } from "./granted-expires.js";

const ok = (...headers: string[]): string => ["SIP/2.0 200 OK", "Call-ID: r1", "CSeq: 2 REGISTER", ...headers, "Content-Length: 0", "", ""].join("\r\n");

test("the registrar's grant is the expires of the Contact naming the agent, from the last 2xx", () => {
  const trace = [
    traceEntry("received", "198.51.100.1:5060", ok("Contact: <sip:alice@10.0.0.2:5060>;expires=600")),
    traceEntry("received", "198.51.100.1:5060", ok('Contact: "Bob" <sip:bob@10.0.0.3>;expires=99, <sip:alice@10.0.0.2:5060;transport=udp>;expires=30')),
  ];
  assert.equal(grantedExpires(trace, "alice"), 30);
  assert.equal(grantedExpires(trace, "bob"), 99);
});

test("without a Contact parameter the Expires header counts; a failure or nothing at all is no grant", () => {
  assert.equal(grantedExpires([traceEntry("received", "p", ok("Contact: <sip:alice@10.0.0.2>", "Expires: 45"))], "alice"), 45);
  assert.equal(grantedExpires([traceEntry("received", "p", ok("Contact: <sip:carol@10.0.0.2>;expires=5"))], "alice"), undefined);
  assert.equal(grantedExpires([traceEntry("received", "p", "SIP/2.0 423 Interval Too Brief\r\nCSeq: 1 REGISTER\r\n\r\n")], "alice"), undefined);
  assert.equal(grantedExpires([], "alice"), undefined);
  assert.equal(grantedExpires([traceEntry("sent", "p", ok("Contact: <sip:alice@10.0.0.2>;expires=5"))], "alice"), undefined, "only what came back");
});
