import assert from "node:assert/strict";
import { test } from "node:test";
import { PassThrough } from "node:stream";
import type { ExecProcess, NodeRuntime } from "../kinds/kind.js";
import { streamTransport } from "../protocol/lines.js";
import { ServiceServer } from "../protocol/server.js";
import { ImpairService, type EngineEnd } from "./engine-service.js";
import { LabImpairments, queueRules } from "./lab-impairments.js";
import { ImpairmentSchema } from "./model.js";

/** A bridge to an engine in this process: what a `docker exec` of bridge.mjs would reach. */
function fakeEngine(configured: EngineEnd[][]): ExecProcess {
  const server = new ServiceServer(
    ImpairService,
    {
      configure: (p) => (configured.push(p.ends), { ends: p.ends.length }),
      stats: () => ({ ends: [] }),
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

/** A node whose `tc` can or cannot make a netem qdisc; records every command and every engine configuration. */
function fakeNode(hasNetem: boolean): { rt: NodeRuntime; commands: string[]; configured: EngineEnd[][] } {
  const commands: string[] = [];
  const configured: EngineEnd[][] = [];
  const rt = {
    spawn: async () => fakeEngine(configured),
    logs: async () => "",
    name: "nat1",
    log: () => undefined,
    addressOf: () => "198.51.100.2",
    exec: async (cmd: readonly string[]) => {
      const text = cmd.join(" ");
      commands.push(text);
      return text.includes("netem delay 1ms") ? (hasNetem ? "yes\n" : "no\n") : "";
    },
  } as unknown as NodeRuntime;
  return { rt, commands, configured };
}

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
  await lab.apply(rt, end, [], (x) => x);
  assert.equal(commands.length, before);
  assert.deepEqual(configured[1]?.[0]?.rules, []);
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
});
