// CI's check of `callpath inspect` (npm run test:inspect): captures from callpath's own failing labs (a SIP
// ALG that leaves the SDP private, UDP blocked, a path that drops fragments), each inspected by the real
// CLI as callpath wrote it (interfaces named node:network) and stripped of its interface names as a
// customer's capture comes (plain pcap); the named cause must be the right one each time, and the
// topology skeleton must pass `callpath validate`; the ALG case's skeleton, started as a lab, must fail
// the same way and be named the same (a round trip). Bad input (missing, empty, text, header only,
// garbage, too large) must fail with the file's name and leave no analyzer container behind, and so must
// Ctrl-C (exit 130). Nothing is skipped: a lab that cannot start or a capture that cannot be made fails
// the run.
import { spawn } from "node:child_process";
import { mkdir, readFile, truncate, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { closeSharedAnalyzer, sharedAnalyzer } from "../src/capture/analyzer.js";
import { DEFAULT_RING } from "../src/capture/capture-plan.js";
import { stderrLogger } from "../src/common/log.js";
import { builtinKinds } from "../src/kinds/builtin.js";
import { ensureDockerEngine } from "../src/lab/docker-engine.js";
import { ensureImages, PROJECT_ROOT } from "../src/lab/images.js";
import { Lab } from "../src/lab/lab.js";
import { ANALYZER_TOPOLOGY } from "../src/capture/analyzer.js";
import { OWNER_LABEL, TOPOLOGY_LABEL } from "../src/lab/labels.js";
import { topologyPath } from "../src/cli/validate.js";
import { loadTopology } from "../src/topology/load.js";

const OUT = join(PROJECT_ROOT, "reports", "inspect-ci");
const CLI = join(PROJECT_ROOT, "bin", "callpath.mjs");
const started = Date.now();
const problems: string[] = [];
const check = (ok: boolean, what: string): boolean => {
  process.stdout.write(`${ok ? "ok" : "FAILED"}: ${what}\n`);
  if (!ok) problems.push(what);
  return ok;
};

interface Case {
  readonly id: string;
  readonly topology: string;
  readonly overrides: ReadonlyArray<readonly [string, string]>;
  readonly holdMs: number;
  /** The cause inspect must name, and what the skeleton must hold for it. */
  readonly cause: string;
  readonly alg?: string;
  readonly skeleton: (nodes: Record<string, Record<string, unknown>>) => boolean;
  readonly skeletonSays: string;
}

const CASES: readonly Case[] = [
  {
    id: "alg",
    topology: "sip-alg",
    overrides: [["nodes.nat1.alg", "headers-not-sdp"]],
    holdMs: 2000,
    cause: "sip-alg",
    alg: "headers-not-sdp",
    skeleton: (n) => n.nat1?.alg === "headers-not-sdp",
    skeletonSays: "nodes.nat1.alg: headers-not-sdp",
  },
  {
    id: "udp-blocked",
    topology: "webrtc",
    overrides: [
      ["nodes.nat1.firewall", "{ udp: block }"],
      ["nodes.alice.ice", "{ server: turn, turn: [udp, tcp] }"],
    ],
    holdMs: 3000,
    cause: "udp-blocked",
    skeleton: (n) => (n.nat1?.firewall as { udp?: string } | undefined)?.udp === "block",
    skeletonSays: "nodes.nat1.firewall.udp: block",
  },
  {
    id: "fragments",
    topology: "vpn",
    overrides: [
      ["nodes.vpn.dropFragments", "true"],
      ["nodes.alice.sdpPadding", "1800"],
    ],
    holdMs: 0,
    cause: "fragments-dropped",
    skeleton: (n) => n.vpn?.dropFragments === true && typeof n.alice?.sdpPadding === "number",
    skeletonSays: "nodes.vpn.dropFragments: true and alice's sdpPadding",
  },
];

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly pid: number;
}

function cli(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (c: Buffer) => (stdout += c));
    p.stderr.on("data", (c: Buffer) => (stderr += c));
    p.on("close", (code) => resolve({ code, stdout, stderr, pid: p.pid ?? -1 }));
  });
}

const log = stderrLogger("test:inspect");
const d = await ensureDockerEngine(log);
const images = await ensureImages(d, log);
await mkdir(OUT, { recursive: true });

/** Analyzer containers a process left: inspect must remove its own however it ends. */
async function analyzersOf(pid: number): Promise<number> {
  const list = await d.listContainers({ all: true, filters: { label: [`${TOPOLOGY_LABEL}=${ANALYZER_TOPOLOGY}`, `${OWNER_LABEL}=${pid}`] } });
  return list.length;
}

/** One lab with capture on: register, call, hold, hang up; the merged pcapng and its nameless copy. */
async function capture(c: Case): Promise<{ named: string; anonymous: string }> {
  const topo = await loadTopology(topologyPath(c.topology), builtinKinds(), c.overrides);
  const lab = await new Lab(topo, { images, log, capture: DEFAULT_RING }).start();
  const named = join(OUT, `${c.id}.pcapng`);
  const anonymous = join(OUT, `${c.id}-anonymous.pcap`);
  try {
    const reg = await Promise.all([lab.agent("alice").register(), lab.agent("bob").register()]);
    log(`${c.id}: registered ${reg.map((r) => r.registered).join(", ")}`);
    const outcome = await lab.agent("alice").call("bob");
    log(`${c.id}: call ${outcome.established ? "established" : `failed at ${outcome.failedStage} ${outcome.finalStatus ?? ""}`}`);
    if (outcome.established) {
      await new Promise((r) => setTimeout(r, c.holdMs));
      await lab.agent("alice").hangup();
      await new Promise((r) => setTimeout(r, 500));
    }
    const analyzer = await sharedAnalyzer(d, images.analyzer);
    const merged = await lab.capture!.merge(analyzer, { final: true });
    try {
      await writeFile(named, merged.pcapng);
      // A customer's capture: the same packets, no interface names (pcap has no place for them). tshark
      // rewrites the merged file first: editcap will not convert mergecap's output with its secrets block directly.
      const plain = `${merged.path}.plain.pcap`;
      await analyzer.run('tshark -r "$1" -w "$2.pcapng" 2>/dev/null; editcap -F pcap "$2.pcapng" "$2"', [merged.path, plain]);
      const names = (await analyzer.run('tshark -r "$1" -T fields -e frame.interface_name 2>/dev/null | sort -u', [plain])).stdout.trim();
      check(names === "", `${c.id}: the anonymous copy names no interface (${names || "none"})`);
      await writeFile(anonymous, await analyzer.readFile(plain));
    } finally {
      await merged.discard();
    }
  } finally {
    await lab.stop();
  }
  return { named, anonymous };
}

interface InspectJson {
  causes: Array<{ id: string; confidence: string; alg?: string; title: string }>;
  findings: Array<{ number: number; id: string; title: string }>;
  skeleton: { yaml: string; topology: { nodes: Record<string, Record<string, unknown>> } };
}

async function inspectAndCheck(c: Case, file: string, label: string): Promise<void> {
  const yaml = file.replace(/\.(pcapng|pcap)$/, ".topology.yaml");
  const json = await cli(["inspect", file, "--json", "--topology-out", yaml]);
  await writeFile(file.replace(/\.(pcapng|pcap)$/, ".inspect.json"), json.stdout);
  check(
    json.code === 0,
    `${label}: callpath inspect --json exited ${json.code}${json.code === 0 ? "" : `: ${json.stderr.trim().split("\n").slice(-3).join(" | ")}`}`,
  );
  check((await analyzersOf(json.pid)) === 0, `${label}: inspect removed its analyzer container`);
  let r: InspectJson | null = null;
  try {
    r = JSON.parse(json.stdout) as InspectJson;
  } catch (e) {
    check(false, `${label}: inspect --json printed JSON (${(e as Error).message}; ${json.stdout.length} characters)`);
  }
  if (!r) return;
  const first = r.causes[0];
  check(
    first?.id === c.cause && (c.alg === undefined || first.alg === c.alg),
    `${label}: the first cause is ${c.cause}${c.alg ? ` (${c.alg})` : ""}: ${first ? `${first.id}${first.alg ? ` (${first.alg})` : ""} [${first.confidence}] ${first.title}` : "no cause"}`,
  );
  check(c.skeleton(r.skeleton.topology.nodes), `${label}: the skeleton holds ${c.skeletonSays}`);
  const written = await readFile(yaml, "utf8").catch(() => "");
  check(written === r.skeleton.yaml, `${label}: --topology-out wrote the skeleton the report shows (${relative(PROJECT_ROOT, yaml)})`);
  const v = await cli(["validate", yaml]);
  check(v.code === 0, `${label}: callpath validate accepts the skeleton: ${(v.stdout + v.stderr).trim().split("\n").join(" | ")}`);
  const text = await cli(["inspect", file]);
  await writeFile(file.replace(/\.(pcapng|pcap)$/, ".inspect.txt"), text.stdout);
  check(text.code === 0 && text.stdout.includes("Causes\n  1. "), `${label}: the text report lists the causes (exit ${text.code})`);
}

// Bad input: the file's name and what is wrong, exit 1; usage errors exit 2; no analyzer left behind.
async function badInput(): Promise<void> {
  const bad = join(OUT, "bad");
  await mkdir(bad, { recursive: true });
  await writeFile(join(bad, "empty.pcap"), "");
  await writeFile(join(bad, "notes.pcap"), "these are notes, not packets\n");
  await writeFile(join(bad, "header-only.pcap"), Buffer.from("d4c3b2a1020004000000000000000000ffff000001000000", "hex"));
  // A capture too large to read: a real header, then 150 MB (sparse: nothing is written).
  await writeFile(join(bad, "huge.pcap"), Buffer.from("d4c3b2a1020004000000000000000000ffff000001000000", "hex"));
  await truncate(join(bad, "huge.pcap"), 150 * 1024 * 1024);
  await writeFile(join(bad, "garbage.pcap"), Buffer.concat([Buffer.from("d4c3b2a1020004000000000000000000ffff000001000000", "hex"), Buffer.alloc(600, 0xee)]));
  const expectations: ReadonlyArray<readonly [string, RegExp]> = [
    [join(bad, "missing.pcap"), /missing\.pcap: no such file/],
    [join(bad, "empty.pcap"), /empty\.pcap: is empty \(0 bytes\)/],
    [join(bad, "notes.pcap"), /notes\.pcap: not a capture: .*\(text\)/],
    [join(bad, "header-only.pcap"), /header-only\.pcap: holds no packets/],
    [join(bad, "garbage.pcap"), /garbage\.pcap: not a readable capture/],
    [join(bad, "huge.pcap"), /huge\.pcap: is 150\.0 MB; inspect reads captures up to 100\.0 MB: cut it to the call first/],
    [bad, /bad: is a folder/],
  ];
  for (const [file, said] of expectations) {
    const r = await cli(["inspect", file]);
    check(r.code === 1 && said.test(r.stderr) && r.stdout === "", `bad input ${relative(OUT, file)}: exit ${r.code}, ${r.stderr.trim().split("\n").at(-1)}`);
    check((await analyzersOf(r.pid)) === 0, `bad input ${relative(OUT, file)}: no analyzer container left`);
  }
  const usage = await cli(["inspect"]);
  check(usage.code === 2 && /usage: callpath inspect/.test(usage.stderr), `no file named: exit ${usage.code} with the usage`);
}

// One lab at a time; each capture is inspected while the next lab runs (the CLI's runs are light).
const inspections: Array<Promise<void>> = [badInput()];
const inspected = new Map<string, Promise<void>>();
try {
  for (const c of CASES) {
    const t = Date.now();
    const files = await capture(c).catch((e: unknown) => {
      check(false, `${c.id}: the lab made no capture: ${(e as Error).stack ?? e}`);
      return null;
    });
    if (!files) continue;
    log(`${c.id}: captured in ${Math.round((Date.now() - t) / 1000)} s`);
    const done = (async () => {
      await inspectAndCheck(c, files.named, `${c.id} (callpath's capture, interfaces named)`);
      await inspectAndCheck(c, files.anonymous, `${c.id} (anonymous: no interface names)`);
    })();
    inspected.set(c.id, done);
    inspections.push(done);
  }
  // The round trip: the skeleton inspect wrote from the customer-style ALG capture, started as a lab, must
  // fail the same way, and inspect must name the same cause in its capture.
  const alg = CASES[0]!;
  await inspected.get(alg.id)?.catch(() => undefined);
  const skeleton = join(OUT, `${alg.id}-anonymous.topology.yaml`);
  const again: Case = { ...alg, id: "alg-roundtrip", topology: skeleton, overrides: [] };
  const files = await capture(again).catch((e: unknown) => {
    check(false, `${again.id}: the skeleton's lab made no capture: ${(e as Error).stack ?? e}`);
    return null;
  });
  if (files) inspections.push(inspectAndCheck(again, files.named, `${again.id} (a lab from ${relative(OUT, skeleton)})`));
} finally {
  await closeSharedAnalyzer();
  await Promise.allSettled(inspections);
}
for (const r of await Promise.allSettled(inspections))
  if (r.status === "rejected") check(false, `an inspection crashed: ${(r.reason as Error).stack ?? r.reason}`);

// Ctrl-C while the analyzer works: exit 130, and the container is gone.
{
  const file = join(OUT, "udp-blocked.pcapng");
  const p = spawn(process.execPath, [CLI, "inspect", file], { cwd: PROJECT_ROOT, stdio: ["ignore", "ignore", "pipe"] });
  const exited = new Promise<number | null>((resolve) => p.on("exit", (code) => resolve(code)));
  let sent = false;
  for (let i = 0; i < 200 && !sent; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if ((await analyzersOf(p.pid ?? -1)) > 0) {
      p.kill("SIGINT");
      sent = true;
    }
  }
  const code = await exited;
  check(sent && code === 130, `Ctrl-C during inspect: ${sent ? `exit ${code} (130 expected)` : "its analyzer was never seen running"}`);
  await new Promise((r) => setTimeout(r, 500));
  check((await analyzersOf(p.pid ?? -1)) === 0, "Ctrl-C during inspect: its analyzer container is removed");
}

const seconds = Math.round((Date.now() - started) / 1000);
await writeFile(join(OUT, "check.txt"), problems.length ? `${problems.join("\n")}\n` : `all checks passed in ${seconds} s\n`);
if (problems.length > 0) {
  process.stderr.write(`test:inspect: ${problems.length} check(s) failed:\n  ${problems.join("\n  ")}\n`);
  process.exit(1);
}
process.stdout.write(`test:inspect: every check passed in ${seconds} s (captures, reports and skeletons in ${relative(PROJECT_ROOT, OUT)})\n`);
process.exit(0);
