// CI's live-lab run (npm run test:live): support's commands through the real CLI, each a process of its
// own, as a person runs them over a lab `callpath up` left: up baseline (a second up refused); call alice
// bob --for 3 (established, RTP both ways, hung up); a call's agent daemon killed and started again by the
// next call; an impairment set by one process, seen by the next, felt by ping, and cleared by a third; the
// packets so far as one pcapng (capture) and a report page with the calls and the ladder; the usage errors;
// down; Ctrl-C during an up (exit 130, nothing left). It keeps its own state file (a person's lab stays
// untouched), fails loudly at the first wrong answer, and removes its lab whatever happens.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CallReport, LiveDirection } from "../src/cli/live-call-report.js";
import { stderrLogger } from "../src/common/log.js";
import { ensureDockerEngine } from "../src/lab/docker-engine.js";
import { execIn } from "../src/lab/exec.js";
import { PROJECT_ROOT } from "../src/lab/images.js";
import { OWNER_LABEL } from "../src/lab/labels.js";
import { sweepLabs } from "../src/lab/sweep.js";

const started = Date.now();
const say = (line: string): void => void process.stderr.write(`test:live: ${line}\n`);
const stateDir = await mkdtemp(join(tmpdir(), "callpath-live-ci-"));
const env = { ...process.env, CALLPATH_STATE_FILE: join(stateDir, "up.json") };
const d = await ensureDockerEngine(stderrLogger());
let labId: string | undefined;

class Failure extends Error {}
const check = (ok: boolean, why: string): void => {
  if (!ok) throw new Failure(why);
};

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `callpath <args>` as a child process, stdin at end of file (not a terminal). */
function callpath(args: readonly string[], timeoutMs = 90_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(PROJECT_ROOT, "bin/callpath.mjs"), ...args], { cwd: PROJECT_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (c: Buffer) => (stdout += c));
    p.stderr.on("data", (c: Buffer) => (stderr += c));
    const timer = setTimeout(() => {
      p.kill("SIGTERM");
      reject(new Failure(`callpath ${args.join(" ")}: no exit within ${timeoutMs / 1000} s\n${stdout}${stderr}`));
    }, timeoutMs);
    p.on("error", reject);
    p.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs it and checks its exit code; its output is shown when it was not `expected`. */
async function expect(args: readonly string[], expected: number): Promise<Run> {
  const t0 = Date.now();
  const r = await callpath(args);
  say(`callpath ${args.join(" ")} → exit ${r.code} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  check(r.code === expected, `callpath ${args.join(" ")} exited ${r.code}, not ${expected}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`);
  return r;
}

/** The median round trip of a few pings from a container, in ms. */
async function pingMs(containerId: string, to: string): Promise<number> {
  const out = (await execIn(d, containerId, "alice", ["ping", "-n", "-c", "5", "-i", "0.2", to])).stdout;
  const rtts = [...out.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
  check(rtts.length >= 3, `ping ${to} got ${rtts.length} answers of 5:\n${out}`);
  return rtts[Math.floor(rtts.length / 2)]!;
}

function assertRtpBothWays(what: string, directions: readonly LiveDirection[]): void {
  check(directions.length === 2, `${what}: ${directions.length} directions`);
  for (const dir of directions) check(dir.sent > 0 && dir.received > 0, `${what}: no RTP ${dir.from} → ${dir.to} (sent ${dir.sent}, received ${dir.received})`);
}

/** Containers and networks labelled as made by process `pid`. */
async function labelled(pid: number): Promise<number> {
  const filters = { label: [`${OWNER_LABEL}=${pid}`] };
  return (await d.listContainers({ all: true, filters })).length + (await d.listNetworks({ filters })).length;
}

/** `callpath up baseline`, sent SIGINT once its first container exists. */
async function interruptedUp(): Promise<{ code: number | null; stderr: string; pid: number; afterMs: number; building: boolean }> {
  const p = spawn(process.execPath, [join(PROJECT_ROOT, "bin/callpath.mjs"), "up", "baseline"], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  p.stderr.on("data", (c: Buffer) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => p.on("exit", (code) => resolve(code)));
  const pid = p.pid ?? -1;
  let building = false;
  for (let i = 0; i < 600 && !building; i++) {
    building = (await d.listContainers({ all: true, filters: { label: [`${OWNER_LABEL}=${pid}`] } })).length > 0;
    if (!building) await new Promise((r) => setTimeout(r, 50));
  }
  const sent = Date.now();
  p.kill("SIGINT");
  const code = await exited;
  return { code, stderr, pid, afterMs: Date.now() - sent, building };
}

async function cleanUp(): Promise<void> {
  if (labId) {
    const r = await sweepLabs(d, { onlyOrphans: false, labId });
    if (r.containers.length > 0) say(`removed what was left of lab ${labId}: ${r.containers.length} container(s)`);
  }
  await rm(stateDir, { recursive: true, force: true });
}

for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    say(`${signal}: removing the lab`);
    void cleanUp().finally(() => process.exit(1));
  });

try {
  // Nothing recorded yet: a live command says so, exit 1.
  check(/no lab up: start one with `callpath up <topology>`/.test((await expect(["call", "alice", "bob"], 1)).stderr), "call without a lab: the wrong message");

  const up = await expect(["up", "baseline"], 0);
  labId = /^lab ([0-9a-f]{8}) \(baseline\) is up:/m.exec(up.stdout)?.[1];
  check(labId !== undefined, `up printed no lab id:\n${up.stdout}`);
  const line = (node: string): RegExpExecArray | null => new RegExp(`^${node}\\s+\\S+\\s+(\\S+).*docker exec -it ([0-9a-f]{12}) bash$`, "m").exec(up.stdout);
  const alice = line("alice")?.[2];
  const bob = line("bob");
  check(alice !== undefined && bob !== null, `up did not describe alice and bob:\n${up.stdout}`);
  check(/is already up/.test((await expect(["up", "baseline"], 1)).stderr), "a second up did not refuse while the first lab is there");
  const bobIp = /internet=([\d.]+)/.exec(bob![1]!)?.[1] ?? "";
  check(bobIp !== "", `up gave bob no internet address:\n${up.stdout}`);

  // A call placed by one process, in daemons that outlived `up`.
  const call = JSON.parse((await expect(["call", "alice", "bob", "--for", "3", "--json"], 0)).stdout) as CallReport;
  check(call.outcome.established && call.outcome.setupMs !== null, `alice → bob not established: ${JSON.stringify(call.outcome)}`);
  assertRtpBothWays("the 3 s window", call.media?.directions ?? []);
  check(call.hungUp && call.final !== null, "--for 3 did not hang up");
  assertRtpBothWays("the whole call", call.final?.directions ?? []);
  check(/no call in progress/.test((await expect(["hangup"], 0)).stdout), "hangup found a call that --for should have ended");

  // bob's agent daemon dies: the next command starts it again and waits for it to be ready.
  const pid = (await execIn(d, bob![2]!, "bob", ["pgrep", "-f", "agent.mjs --daemon"])).stdout.trim();
  check(/^\d+$/.test(pid), `bob's agent daemon not found (pgrep: ${JSON.stringify(pid)})`);
  await execIn(d, bob![2]!, "bob", ["kill", pid]);
  const again = await expect(["call", "bob", "alice", "--for", "2", "--json"], 0);
  check(/bob's agent was not running; started it again/.test(again.stderr), `the call did not say it started bob's agent again:\n${again.stderr}`);
  assertRtpBothWays("after the restart", (JSON.parse(again.stdout) as CallReport).media?.directions ?? []);

  // An impairment set by one process, seen by the next, felt on the wire, and cleared by a third.
  const baseRtt = await pingMs(alice!, bobIp);
  check(
    /nat1 internet egress: delay 40ms/.test((await expect(["impair", "nat1", "internet", "{ delay: { ms: 40 } }"], 0)).stdout),
    "impair did not say what it set",
  );
  check(/nat1 internet egress: delay 40ms/.test((await expect(["impair", "--show"], 0)).stdout), "a new process does not see the delay in force");
  const delayedRtt = await pingMs(alice!, bobIp);
  check(delayedRtt >= baseRtt + 35, `with 40 ms on nat1's internet egress the RTT is ${delayedRtt} ms (before: ${baseRtt} ms)`);
  check(/cleared:\n\s+nat1 internet egress: delay 40ms/.test((await expect(["impair", "--clear"], 0)).stdout), "--clear did not report what it cleared");
  check(/no impairments in force/.test((await expect(["impair", "--show"], 0)).stdout), "something is still in force after --clear");
  const clearedRtt = await pingMs(alice!, bobIp);
  check(clearedRtt < baseRtt + 10, `after --clear the RTT is ${clearedRtt} ms (before any impairment: ${baseRtt} ms)`);
  say(`ping alice → bob: ${baseRtt} ms, with 40 ms delay ${delayedRtt} ms, cleared ${clearedRtt} ms`);

  // The packets so far, by a process of its own: one pcapng with every interface named node:network, and a
  // report page with both calls and the ladder drawn from those packets.
  const pcap = join(stateDir, "so-far.pcapng");
  const captured = await expect(["capture", "--out", pcap], 0);
  check(
    /interfaces alice:lan1, nat1:lan1, nat1:internet, kamailio:internet, bob:internet/.test(captured.stdout),
    `capture named other interfaces:\n${captured.stdout}`,
  );
  check((await stat(pcap)).size > 10_000, `the pcapng is ${(await stat(pcap)).size} bytes`);
  const reportDir = join(stateDir, "report");
  await expect(["report", "--out", reportDir], 0);
  const html = await readFile(join(reportDir, "index.html"), "utf8");
  check((html.match(/<tr class="ok">/g) ?? []).length === 2, "the report does not list the two calls as established");
  const arrows = (html.match(/<g class="arrow"/g) ?? []).length;
  const invites = (html.match(/<g class="arrow" data-protocol="sip"[^>]*><line[^>]*\/><text[^>]*>INVITE /g) ?? []).length;
  check(arrows >= 20 && invites >= 4, `the report's ladder has ${arrows} arrows, ${invites} INVITE arrows (two calls, each on two links at least)`);
  const timelines = (html.match(/<section class="timeline"/g) ?? []).length;
  check(timelines === 2, `the report has ${timelines} call timelines, not one per call (2)`);
  say(`capture ${(await stat(pcap)).size} bytes; report ladder ${arrows} arrows, ${timelines} timelines`);

  // Usage errors name the choices, exit 2.
  check(/agents: alice, bob/.test((await expect(["call", "alice", "kamailio"], 2)).stderr), "a call to a non-agent did not list the agents");
  check(
    /nat1 joins: lan1, internet/.test((await expect(["impair", "nat1", "wan", "{ delay: { ms: 1 } }"], 2)).stderr),
    "an unknown network did not list nat1's",
  );
  check(/needs a terminal/.test((await expect(["shell", "nat1"], 2)).stderr), "shell without a terminal did not refuse");

  check(new RegExp(`lab ${labId}: removed 4 container\\(s\\), 2 network\\(s\\)`).test((await expect(["down"], 0)).stdout), "down did not remove the lab");
  labId = undefined;

  // Ctrl-C while `up` is still building (its containers exist, its services not yet): exit 130, and
  // nothing of that lab is left, networks included (an interrupt once removed a lab's networks while its
  // containers were still being made, and they stayed).
  const interrupted = await interruptedUp();
  labId = /\[lab ([0-9a-f]{8})\]/.exec(interrupted.stderr)?.[1]; // cleanUp removes whatever a failure leaves
  check(interrupted.building, `Ctrl-C during up: no container of its lab appeared within 30 s\n${interrupted.stderr}`);
  check(interrupted.code === 130, `Ctrl-C during up: exit ${interrupted.code}, not 130\n${interrupted.stderr}`);
  const left = await labelled(interrupted.pid);
  check(left === 0, `Ctrl-C during up: ${left} container(s) or network(s) of its lab left`);
  labId = undefined;
  say(`Ctrl-C during up: exit 130 after ${interrupted.afterMs} ms, nothing left`);
  say(`passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (e) {
  say(`FAILED: ${e instanceof Failure ? e.message : ((e as Error).stack ?? String(e))}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
process.exit(process.exitCode ?? 0);
