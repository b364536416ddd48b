import assert from "node:assert/strict";
import { mock, test } from "node:test";
import { Retransmitter, T1, T2 } from "./retransmitter.js";

function sendTimes(kind: "invite-request" | "non-invite-request" | "invite-error-response", until: number, stopAt?: { at: number; status: number }): number[] {
  mock.timers.enable({ apis: ["setTimeout", "Date"], now: 0 });
  try {
    const r = new Retransmitter(() => Date.now());
    const times: number[] = [];
    r.track({ key: "k", kind, resend: () => times.push(Date.now()) });
    for (let t = 0; t < until; t += 50) {
      if (stopAt && t === stopAt.at) r.onResponse("k", stopAt.status);
      mock.timers.tick(50);
    }
    return times;
  } finally {
    mock.timers.reset();
  }
}

test("Timer A doubles from T1 without a cap and stops at 64*T1", () => {
  assert.deepEqual(sendTimes("invite-request", 40_000), [500, 1500, 3500, 7500, 15500, 31500]);
});

test("Timer E doubles up to T2, then repeats every T2", () => {
  const t = sendTimes("non-invite-request", 20_000);
  assert.deepEqual(t.slice(0, 6), [T1, 3 * T1, 7 * T1, 7 * T1 + T2, 7 * T1 + 2 * T2, 7 * T1 + 3 * T2]);
});

test("after a provisional response Timer E fires as scheduled, then every T2 (§17.1.2.2); a final one ends it", () => {
  const t = sendTimes("non-invite-request", 20_000, { at: 600, status: 100 });
  assert.equal(t[1]! - t[0]!, 2 * T1);
  assert.equal(t[2]! - t[1]!, T2);
  assert.equal(t[3]! - t[2]!, T2);
  assert.deepEqual(sendTimes("non-invite-request", 20_000, { at: 600, status: 200 }), [500]);
});

test("any response ends Timer A", () => {
  assert.deepEqual(sendTimes("invite-request", 20_000, { at: 600, status: 100 }), [500]);
});

test("Timer G ends when the ACK arrives", () => {
  mock.timers.enable({ apis: ["setTimeout", "Date"], now: 0 });
  try {
    const r = new Retransmitter(() => Date.now());
    let n = 0;
    r.track({ key: "b|INVITE", kind: "invite-error-response", resend: () => n++ });
    mock.timers.tick(600);
    r.onAck("b|INVITE");
    mock.timers.tick(10_000);
    assert.equal(n, 1);
    assert.equal(r.size, 0);
  } finally {
    mock.timers.reset();
  }
});
