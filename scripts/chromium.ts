import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import type { Logger } from "../src/common/log.js";
import { hasCommand } from "../src/lab/docker-engine.js";

/**
 * A Chromium for headless report checks: CALLPATH_CHROMIUM, else `chromium` on the PATH, else (Debian, as
 * root, like the Docker engine) Debian's own package, installed and announced. Anywhere else it stops and
 * says what to install: a check that needs a browser never passes without one.
 */
export function ensureChromium(log: Logger): string {
  const given = process.env.CALLPATH_CHROMIUM;
  if (given) {
    if (!existsSync(given)) throw new Error(`CALLPATH_CHROMIUM is ${given}, which does not exist`);
    return given;
  }
  for (const name of ["chromium", "chromium-browser", "google-chrome"]) if (hasCommand(name)) return which(name);
  if (process.getuid?.() !== 0 || !existsSync("/etc/debian_version"))
    throw new Error("no Chromium found: install chromium (or set CALLPATH_CHROMIUM to a Chrome or Chromium binary)");
  log("no Chromium found: installing Debian's chromium (apt-get) for the headless report check");
  for (const args of [
    ["update", "-qq"],
    ["install", "-y", "-qq", "--no-install-recommends", "chromium", "fonts-dejavu-core"],
  ]) {
    const r = spawnSync("apt-get", args, { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(" ")} failed: ${r.stderr.toString().slice(-2000)}`);
  }
  return which("chromium");
}

function which(name: string): string {
  return spawnSync("sh", ["-c", 'command -v "$1"', "sh", name]).stdout.toString().trim();
}
