import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { UsageError } from "./command.js";
import { formatInForce, impairmentText, parseImpairArgs, parseImpairments } from "./live-impair.js";

test("one rule, or a list, goes to the direction asked for (egress by default), defaults filled in as in a topology", () => {
  const one = parseImpairments("{ delay: { ms: 100 } }", "egress");
  assert.deepEqual(Object.keys(one), ["egress"]);
  assert.deepEqual(one.egress?.[0]?.delay, { ms: 100, jitter: 0, correlation: 0, distribution: "uniform", reorder: true });
  const both = parseImpairments("- loss: { random: 2 }\n- match: { protocol: udp, port: 10000-20000 }\n  delay: { ms: 20 }\n", "both");
  assert.deepEqual(Object.keys(both), ["egress", "ingress"]);
  assert.equal(both.ingress?.length, 2);
  assert.deepEqual(both.ingress?.[1]?.match?.port, { lo: 10000, hi: 20000 });
  assert.deepEqual(parseImpairments("[]", "ingress"), { ingress: [] });
});

test("a mapping of directions, as a link end under impair: takes it, changes only the directions it names", () => {
  assert.deepEqual(Object.keys(parseImpairments("{ ingress: { loss: { random: 5 } } }", "egress")), ["ingress"]);
  const r = parseImpairments("egress: { delay: { ms: 40 } }\nboth: { loss: { random: 1 } }\n", "egress");
  assert.equal(r.egress?.length, 2);
  assert.equal(r.ingress?.length, 1);
});

test("every problem is named with its path, in the topology's words", () => {
  assert.throws(
    () => parseImpairments("{ delay: { mss: 5 }, loss: 150 }", "egress"),
    (e: Error) => e instanceof UsageError && /\[0\]\.delay\.mss: unknown key/.test(e.message) && /\[0\]\.loss: /.test(e.message),
  );
  assert.throws(() => parseImpairments("{ egress: { delay: 5 } }", "egress"), /egress\.delay: expected a mapping/);
  assert.throws(() => parseImpairments("delay: [1", "egress"), /not YAML/);
  assert.throws(() => parseImpairments("", "egress"), /the impairment is empty/);
  assert.throws(() => parseImpairments("{ reorder: { percent: 5 } }", "egress"), /reorder needs a delay/);
});

test("arguments: set, --clear and --show, each with the positionals it takes", () => {
  const text = (s: string): string => s;
  assert.deepEqual(parseImpairArgs(["nat1", "internet", "{ loss: { random: 1 } }"], { direction: "ingress" }, text), {
    kind: "set",
    node: "nat1",
    network: "internet",
    rules: { ingress: [{ loss: { random: 1, correlation: 0 } }] },
  });
  assert.deepEqual(parseImpairArgs([], { clear: true }, text), { kind: "clear", node: undefined, network: undefined });
  assert.deepEqual(parseImpairArgs(["nat1", "internet"], { clear: true }, text), { kind: "clear", node: "nat1", network: "internet" });
  assert.deepEqual(parseImpairArgs(["nat1"], { show: true }, text), { kind: "show", node: "nat1" });
  assert.throws(() => parseImpairArgs(["nat1", "internet"], {}, text), /name a node, one of its networks and the impairment/);
  assert.throws(() => parseImpairArgs(["a", "b", "c"], { clear: true }, text), /--clear takes at most a node and a network/);
  assert.throws(() => parseImpairArgs(["a", "b", "{}"], { direction: "up" }, text), /--direction "up": one of egress, ingress, both/);
  assert.throws(() => parseImpairArgs([], { clear: true, show: true }, text), /--clear or --show, not both/);
  assert.throws(() => parseImpairArgs([], { clear: true, direction: "egress" }, text), /--direction is for setting/);
});

test("the YAML argument may name a file", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "callpath-impair-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "wan.yaml");
  writeFileSync(file, "delay: { ms: 80, jitter: 10 }\n");
  assert.equal(impairmentText(file), "delay: { ms: 80, jitter: 10 }\n");
  assert.equal(impairmentText("{ delay: { ms: 5 } }"), "{ delay: { ms: 5 } }");
  writeFileSync(file, "#".repeat(70_000));
  assert.throws(() => impairmentText(file), /more than 64 KiB/);
});

test("what is in force, one line per end", () => {
  assert.equal(formatInForce([], "none"), "none\n");
  assert.equal(
    formatInForce([{ node: "nat1", end: "internet egress", rules: ["delay 100ms", "loss 1% (only udp)"] }], ""),
    "  nat1 internet egress: delay 100ms; loss 1% (only udp)\n",
  );
});
