import { spawn, spawnSync } from "node:child_process";
import { existsSync, openSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { LabError } from "../common/errors.js";
import { withFileLock } from "../common/file-lock.js";
import type { Logger } from "../common/log.js";

let client: Docker | undefined;

/** The Docker client every part of callpath shares (DOCKER_HOST or the local socket). */
export function docker(): Docker {
  client ??= new Docker();
  return client;
}

async function answers(d: Docker): Promise<boolean> {
  try {
    await d.ping();
    return true;
  } catch {
    return false;
  }
}

export const DOCKERD_LOG = "/var/log/callpath-dockerd.log";

/**
 * Makes sure a Docker engine answers. On a Debian host as root with none running, installs Debian's
 * docker.io when dockerd is missing and starts dockerd in the background, saying so; anywhere else it
 * stops with what is missing.
 */
export async function ensureDockerEngine(log: Logger): Promise<Docker> {
  const d = docker();
  if (await answers(d)) return d;
  const isRoot = process.getuid?.() === 0;
  const debian = existsSync("/etc/debian_version");
  if (process.platform !== "linux" || !isRoot || !debian) {
    throw new LabError(
      "no Docker engine answers (tried " +
        (process.env.DOCKER_HOST ?? "/var/run/docker.sock") +
        "). Start Docker (Docker Desktop, or `sudo systemctl start docker`), or run as root on Debian so callpath can install and start one.",
    );
  }
  // Parallel scenario workers each run this at once: one starts the engine, the others find it answering.
  return withFileLock(join(tmpdir(), "callpath-dockerd.lock"), () => startDockerEngine(d, log), { what: "another callpath process is starting dockerd" });
}

async function startDockerEngine(d: Docker, log: Logger): Promise<Docker> {
  if (await answers(d)) return d;
  if (!hasCommand("dockerd")) {
    log("no Docker engine answers and dockerd is not installed: installing Debian's docker.io (apt-get)");
    await run("apt-get", ["update", "-qq"]);
    await run("apt-get", ["install", "-y", "-qq", "docker.io"], { DEBIAN_FRONTEND: "noninteractive" });
  }
  log(`no Docker engine answers: starting dockerd in the background (log: ${DOCKERD_LOG})`);
  const out = openSync(DOCKERD_LOG, "a");
  const child = spawn("dockerd", [], { detached: true, stdio: ["ignore", out, out] });
  child.unref();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (await answers(d)) {
      log(`dockerd (pid ${child.pid}) answers`);
      return d;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new LabError(`dockerd was started but did not answer within 60 s; see ${DOCKERD_LOG}`);
}

export function hasCommand(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

/** Asynchronously: the engine lock is refreshed while apt-get runs, which can take longer than its stale time. */
async function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<void> {
  const status = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, ...env } });
    child.once("error", reject);
    child.once("exit", (code) => resolve(code));
  });
  if (status !== 0) throw new LabError(`\`${cmd} ${args.join(" ")}\` failed (exit ${status})`);
}
