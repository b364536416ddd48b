import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { daemonProbeScript, daemonStartScript, parseDaemonStart, type DaemonFiles } from "./agent-daemon.js";

// The start script's lock logic, run by the host's own sh and flock with a stand-in daemon (a sleep that
// writes its pid): at most one runs, a dead one is replaced, and its stale socket goes first.
const sh = (script: string): string => execFileSync("sh", ["-c", script], { encoding: "utf8" });

function files(dir: string): DaemonFiles {
  return {
    config: join(dir, "agent.json"),
    lock: join(dir, "run", "agent.lock"),
    socket: join(dir, "run", "agent.sock"),
    command: `sh -c 'echo $$ > ${join(dir, "pid")}; exec sleep 30'`,
    log: "/dev/null",
  };
}

async function pidOf(dir: string): Promise<number> {
  for (let i = 0; i < 100 && !existsSync(join(dir, "pid")); i++) await new Promise((r) => setTimeout(r, 20));
  return Number(readFileSync(join(dir, "pid"), "utf8"));
}

test("the start script starts one daemon, then finds it running; once it is gone it starts another", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "callpath-daemon-"));
  const f = files(dir);
  const pids: number[] = [];
  t.after(() => {
    for (const p of pids) {
      try {
        process.kill(p);
      } catch {
        // gone already
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });
  assert.equal(parseDaemonStart(sh(daemonStartScript(f))), "no-config");
  writeFileSync(f.config, "{}");
  assert.equal(sh(daemonProbeScript(f)).trim(), "free");
  assert.equal(parseDaemonStart(sh(daemonStartScript(f))), "started");
  pids.push(await pidOf(dir));
  assert.equal(sh(daemonProbeScript(f)).trim(), "held");
  assert.equal(parseDaemonStart(sh(daemonStartScript(f))), "running");

  // The daemon dies and leaves its socket: the next start replaces both.
  rmSync(join(dir, "pid"));
  process.kill(pids[0]!);
  for (let i = 0; i < 100 && sh(daemonProbeScript(f)).trim() === "held"; i++) await new Promise((r) => setTimeout(r, 20));
  writeFileSync(f.socket, "stale");
  assert.equal(parseDaemonStart(sh(daemonStartScript(f))), "started");
  pids.push(await pidOf(dir));
  assert.notEqual(pids[1], pids[0]);
  assert.equal(existsSync(f.socket), false, "the dead daemon's socket was removed");
});

test("an answer that is none of the three is an error, not a guess", () => {
  assert.equal(parseDaemonStart("started\n"), "started");
  assert.throws(() => parseDaemonStart("sh: flock: not found"), /unexpected answer from the agent's start script/);
});
