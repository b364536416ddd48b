import type { StartedLab } from "../lab/started-lab.js";
import { judgeRun, STDOUT_LIMIT, type HeuristicEnv, type HeuristicRun } from "./contract.js";
import { heuristicEnv } from "./heuristic-env.js";
import { heuristicSource, prepareScript, type PreparedScript } from "./heuristic-source.js";

/** Seconds between the polite TERM at the limit and the KILL. */
const KILL_AFTER_S = 2;
/** Host-side backstop past the in-seat `timeout`: a wedged exec stream must not hang the run. */
const BACKSTOP_MS = 15_000;

/** Collects a stream's text up to `limit` characters (and says how much there was). */
function bounded(limit: number): { add(s: string): void; text(): string; total(): number } {
  let text = "";
  let total = 0;
  return {
    add(s) {
      total += s.length;
      if (text.length < limit + 1) text += s.slice(0, limit + 1 - text.length);
    },
    text: () => text,
    total: () => total,
  };
}

/**
 * Runs a prepared heuristic in the seat: its files copied in, its environment passed through `env`
 * (argv, never a shell), `timeout` ending it at the limit. The outcome is judged (contract.ts): a crash,
 * a timeout or a malformed report is recorded as such.
 */
export async function runScript(lab: StartedLab, seat: string, script: PreparedScript, env: HeuristicEnv, limitMs: number): Promise<HeuristicRun> {
  const rt = lab.node(seat);
  await rt.writeFiles(script.files);
  const seconds = Math.max(1, Math.ceil(limitMs / 1000));
  // Without NET_ADMIN (the seat's routes, firewall and sysctls stay the lab's; a heuristic cannot route
  // itself out of the lab or change the path for the next one), with stdin at EOF (a heuristic reading it
  // must not wait for the limit), ended by timeout(1) at the limit.
  const argv = [
    "setpriv",
    "--bounding-set=-net_admin",
    "--",
    "timeout",
    "-k",
    String(KILL_AFTER_S),
    String(seconds),
    "sh",
    "-c",
    'exec "$@" </dev/null',
    "sh",
    ...script.argv,
  ];
  const started = Date.now();
  const proc = await rt.spawn(argv, { env });
  const out = bounded(STDOUT_LIMIT);
  const err = bounded(64 * 1024);
  proc.onStdout((c) => out.add(c));
  proc.onStderr((c) => err.add(c));
  let backstop: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    proc.exited,
    new Promise<"backstop">((resolve) => {
      backstop = setTimeout(() => resolve("backstop"), seconds * 1000 + KILL_AFTER_S * 1000 + BACKSTOP_MS);
    }),
  ]);
  clearTimeout(backstop);
  proc.close();
  const ms = Date.now() - started;
  // timeout(1) exits 124 when it had to stop the command, 137 when it had to kill it; a heuristic that
  // exits 124 or 137 by itself before the limit (an OOM kill, say) has crashed, not timed out.
  const timedOut = code === "backstop" || ((code === 124 || code === 137) && ms >= seconds * 1000 - 250);
  return judgeRun(
    { exitCode: code === "backstop" ? null : code, timedOut, stdout: out.text(), stdoutChars: out.total(), stderr: err.text(), ms, limitMs },
    script.name,
  );
}

/** One heuristic (a path, or callpath's own by name) run once at a seat of a running lab: the Gherkin form. */
export async function runHeuristicInLab(lab: StartedLab, arg: string, seat: string, limitMs: number, cwd: string): Promise<HeuristicRun> {
  const src = await heuristicSource(arg, cwd);
  if (src.kind === "image")
    throw new Error(`${arg}: an image heuristic is a node of its own, added before the lab starts; in a scenario, run a script (or use callpath diagnose)`);
  return runScript(lab, seat, await prepareScript(src), heuristicEnv(lab, seat, limitMs), limitMs);
}
