import assert from "node:assert/strict";
import { test } from "node:test";
import { PassThrough } from "node:stream";
import type { ExecProcess, NodeRuntime } from "../kinds/kind.js";
import { streamTransport } from "../protocol/lines.js";
import { ServiceServer } from "../protocol/server.js";
import { ImpairService, type EngineEnd } from "./engine-service.js";
import { freeQueue, LabImpairments } from "./lab-impairments.js";
import { ImpairmentSchema } from "./model.js";
import { hookedQueues, LIST_HOOKS, queueRules, unqueueRules } from "./queue-hooks.js";

/** A bridge to an engine in this process: what a `docker exec` of bridge.mjs would reach. */
function fakeEngine(configured: EngineEnd[][], have: EngineEnd[] = []): ExecProcess {
  const server = new ServiceServer(
    ImpairService,
    {
      configure: (p) => (configured.push(p.ends), { ends: p.ends.length }),
      stats: () => ({ ends: [] }),
      config: () => ({ ends: have }),
      subscribe: (p, ctx) => ctx.replay(p.sinceSeq),
    },
    { historyLimit: 10 },
  );
  server.emit("ready", { pid: 1 });
  const toEngine = new PassThrough();
  const fromEngine = new PassThrough();
  server.attach(streamTransport(toEngine, fromEngine));
  return {
    write: (t) => void toEngine.write(t),
    onStdout: (l) => void fromEngine.on("data", (c: Buffer) => l(c.toString())),
    onStderr: () => undefined,
    exited: new Promise(() => undefined),
    close: () => toEngine.end(),
  };
}

/** The bridge when no engine listens: it exits at once. */
const noEngine: ExecProcess = {
  write: () => undefined,
  onStdout: () => undefined,
  onStderr: () => undefined,
  exited: Promise.resolve(1),
  close: () => undefined,
};

interface FakeOptions {
  /** The node's engine before this process: its ends, or none running. */
  readonly engine?: EngineEnd[] | "none";
  /** What `nft list table ip mangle` shows. */
  readonly listing?: string;
}

/** A node whose `tc` can or cannot make a netem qdisc; records every command and every engine configuration. */
function fakeNode(hasNetem: boolean, opts: FakeOptions = {}): { rt: NodeRuntime; commands: string[]; configured: EngineEnd[][] } {
  const commands: string[] = [];
  const configured: EngineEnd[][] = [];
  let started = false;
  const rt = {
    spawn: async () => (started || opts.engine !== "none" ? fakeEngine(configured, opts.engine === "none" ? [] : opts.engine) : noEngine),
    logs: async () => "impair: engine ready",
    name: "nat1",
    log: () => undefined,
    addressOf: () => "198.51.100.2",
    exec: async (cmd: readonly string[]) => {
      const text = cmd.join(" ");
      commands.push(text);
      if (text.includes("/opt/callpath/impair.mjs")) started = true;
      if (text.includes(LIST_HOOKS)) return opts.listing ?? "";
      return text.includes("netem delay 1ms") ? (hasNetem ? "yes\n" : "no\n") : "";
    },
  } as unknown as NodeRuntime;
  return { rt, commands, configured };
}

const delay5: EngineEnd = { queue: 100, label: "internet egress", rules: [ImpairmentSchema.parse({ delay: { ms: 5 } })], descriptions: ["delay 5ms"] };
const LISTING = `table ip mangle {
	chain callpath_imp_out {
		type filter hook postrouting priority 300; policy accept;
		oifname "eth1" meta mark != 0x00c0ff1d jump CALLPATH_IMP_100
	}
	chain CALLPATH_IMP_100 {
		counter packets 12 bytes 960 queue num 100
	}
}`;

const delay = [ImpairmentSchema.parse({ delay: { ms: 5 } })];
const end = { node: "nat1", network: "internet", direction: "egress" as const };

test("auto picks netem where tc can make one, and applies it with tc", async () => {
  const { rt, commands } = fakeNode(true);
  const lab = new LabImpairments("auto", "t.yaml");
  await lab.apply(rt, end, delay, (x) => x);
  assert.equal(lab.engineInUse, "netem");
  assert.ok(
    commands.some((c) => c.includes('tc qdisc replace dev "$IF" root netem delay 5ms')),
    commands.join("\n"),
  );
});

test("auto falls back to the userspace engine where the kernel has no netem", async () => {
  const { rt, commands, configured } = fakeNode(false);
  const lab = new LabImpairments("auto", "t.yaml");
  await lab.apply(rt, end, delay, (x) => x);
  assert.equal(lab.engineInUse, "userspace");
  assert.ok(
    commands.some((c) => c.includes("/opt/callpath/impair.mjs")),
    "the engine is started",
  );
  assert.ok(commands.some((c) => c.includes("NFQUEUE --queue-num 100")));
  assert.deepEqual(
    configured.map((c) => c.map((e) => [e.queue, e.label, e.descriptions])),
    [[[100, "internet egress", ["delay 5ms"]]]],
  );
  // A change to the same end is one configure request, no more set-up.
  const before = commands.length;
  await lab.apply(rt, end, [ImpairmentSchema.parse({ loss: { random: 1 } })], (x) => x);
  assert.equal(commands.length, before);
  // Clearing it empties its rules, then takes the hook away: the link is the plain link again.
  await lab.apply(rt, end, [], (x) => x);
  assert.deepEqual(configured.at(-1)?.[0]?.rules, []);
  assert.match(commands.at(-1)!, /nft delete rule ip mangle callpath_imp_out handle[\s\S]*iptables-nft -t mangle -X CALLPATH_IMP_100/);
  assert.deepEqual(await lab.inForce(rt), []);
  // Impaired again, the end takes its old queue (the engine keeps it bound) and is hooked again.
  await lab.apply(rt, end, delay, (x) => x);
  assert.match(commands.at(-1)!, /NFQUEUE --queue-num 100/);
  assert.deepEqual(await lab.inForce(rt), [{ end: "internet egress", rules: ["delay 5ms"] }]);
});

test("clearing an end that was never impaired starts no engine", async () => {
  const { rt, commands } = fakeNode(false);
  await new LabImpairments("auto", "t.yaml").apply(rt, end, [], (x) => x);
  assert.ok(!commands.some((c) => c.includes("impair.mjs") || c.includes("NFQUEUE")), commands.join("\n"));
});

test("attached to a kept lab, the engine's ends and hooks are learnt before the first change, and --clear clears them", async () => {
  const { rt, commands, configured } = fakeNode(false, { engine: [delay5], listing: LISTING });
  const lab = new LabImpairments("auto", "t.yaml", { adopt: true });
  assert.deepEqual(await lab.inForce(rt), [{ end: "internet egress", rules: ["delay 5ms"] }]);
  await lab.apply(rt, end, [], (x) => x);
  assert.deepEqual(configured, [[{ ...delay5, rules: [], descriptions: [] }]]);
  assert.ok(commands.some((c) => c.includes("jump CALLPATH_IMP_100 # handle")));
  assert.ok(!commands.some((c) => c.includes("/opt/callpath/impair.mjs")), "the running engine is used, not a second one");
  assert.deepEqual(await lab.inForce(rt), []);
  // A new end takes the next free queue, not one the engine already has.
  await lab.apply(rt, { ...end, direction: "ingress" }, delay, (x) => x);
  assert.deepEqual(
    configured.at(-1)?.map((e) => [e.queue, e.label]),
    [
      [100, "internet egress"],
      [101, "internet ingress"],
    ],
  );
});

test("attached, a node with no engine has nothing in force, and clearing it starts none", async () => {
  const { rt, commands } = fakeNode(false, { engine: "none" });
  const lab = new LabImpairments("auto", "t.yaml", { adopt: true });
  assert.deepEqual(await lab.inForce(rt), []);
  await lab.apply(rt, end, [], (x) => x);
  assert.ok(!commands.some((c) => c.includes("impair.mjs")));
});

test("attached, packets queued to an engine that does not answer are reported, not ignored", async () => {
  const { rt } = fakeNode(false, { engine: "none", listing: LISTING });
  await assert.rejects(
    new LabImpairments("auto", "t.yaml", { adopt: true }).inForce(rt),
    /queued to the userspace impairment engine \(queues 100\) but no engine answers/,
  );
});

test("a topology that demands netem on a kernel without it gets an error naming the file and field", async () => {
  const { rt } = fakeNode(false);
  await assert.rejects(
    new LabImpairments("netem", "topologies/x.yaml").apply(rt, end, delay, (x) => x),
    /topologies\/x\.yaml: impairmentEngine: netem — this kernel has no sch_netem.*use auto or userspace/,
  );
});

test("the userspace engine refuses duplication on ingress, saying where to put it", async () => {
  const { rt } = fakeNode(false);
  await assert.rejects(
    new LabImpairments("userspace", "t.yaml").apply(rt, { ...end, direction: "ingress" }, [ImpairmentSchema.parse({ duplicate: 1 })], (x) => x),
    /duplicates on egress only.*sending end's egress/,
  );
});

test("queue rules: egress after NAT, ingress before conntrack, the engine's own copies skipped", () => {
  assert.match(queueRules("egress", 100).join("\n"), /hook postrouting priority 300[\s\S]*oifname "\$IF" meta mark != 0x00c0ff1d jump CALLPATH_IMP_100/);
  assert.match(queueRules("ingress", 101).join("\n"), /hook prerouting priority -300[\s\S]*iifname "\$IF"/);
  assert.match(unqueueRules("ingress", 101)[0]!, /nft -a list chain ip mangle callpath_imp_in .* jump CALLPATH_IMP_101 # handle/);
});

test("hooked queues are read from the mangle table; queue numbers are reused from the lowest free", () => {
  assert.deepEqual(hookedQueues(LISTING), [100]);
  assert.deepEqual(hookedQueues(""), []);
  assert.equal(freeQueue(new Map()), 100);
  assert.equal(
    freeQueue(
      new Map([
        ["a", 100],
        ["b", 102],
      ]),
    ),
    101,
  );
});
