import assert from "node:assert/strict";
import { test } from "node:test";
import { answerDirection, offerDirection, sdpAudio, sends } from "./hold.js";
import { buildOffer } from "./plain-rtp-sdh.js";

test("each hold style's offer, and the answer a phone that holds nothing gives it (RFC 3264 §6.1)", () => {
  assert.deepEqual(
    [offerDirection(null), offerDirection("sendonly"), offerDirection("inactive"), offerDirection("c=0.0.0.0")],
    ["sendrecv", "sendonly", "inactive", "sendrecv"],
  );
  assert.deepEqual((["sendrecv", "sendonly", "recvonly", "inactive"] as const).map(answerDirection), ["sendrecv", "recvonly", "sendonly", "inactive"]);
});

test("who sends after the exchange: a sendonly hold keeps the holder's audio, inactive and c=0.0.0.0 silence both", () => {
  const at = (direction: "sendrecv" | "sendonly" | "recvonly" | "inactive", address = "192.0.2.1") => ({ direction, address });
  // holder's view, then the held phone's
  assert.deepEqual([sends(at("sendonly"), at("recvonly")), sends(at("recvonly"), at("sendonly"))], [true, false]);
  assert.deepEqual([sends(at("inactive"), at("inactive")), sends(at("inactive"), at("inactive"))], [false, false]);
  assert.deepEqual([sends(at("sendrecv", "0.0.0.0"), at("sendrecv")), sends(at("sendrecv"), at("sendrecv", "0.0.0.0"))], [false, false]);
  assert.equal(sends(at("sendrecv"), at("sendrecv")), true, "resumed");
});

test("an offer states its direction and the address it asks media at; a parser reads both back", () => {
  assert.deepEqual(sdpAudio(buildOffer("10.0.0.2", 16384, 1, 0)), { direction: "sendrecv", address: "10.0.0.2" });
  assert.deepEqual(sdpAudio(buildOffer("10.0.0.2", 16384, 1, 1, 0, { direction: "sendonly" })), { direction: "sendonly", address: "10.0.0.2" });
  const c0 = buildOffer("10.0.0.2", 16384, 1, 2, 0, { connection: "0.0.0.0" });
  assert.deepEqual(sdpAudio(c0), { direction: "sendrecv", address: "0.0.0.0" });
  assert.match(c0, /^o=- 1 2 IN IP4 10\.0\.0\.2\r$/m, "the origin keeps the phone's address");
});
