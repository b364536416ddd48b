import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { formatIssues, TopologyError } from "../common/errors.js";
import { stderrLogger } from "../common/log.js";
import { ensureDockerEngine } from "../lab/docker-engine.js";
import { ensureImages, PROJECT_ROOT, removeBuiltImages } from "../lab/images.js";
import { listLabs, sweepLabs } from "../lab/sweep.js";
import { activeLabs } from "../lab/active-labs.js";
import { truthCli } from "./truth.js";
import { diagnoseCommand } from "./diagnose.js";
import { deriveTruth } from "../diagnose/truth.js";
import { validateCommand } from "./validate.js";
import { downCommand, upCommand } from "./live-up.js";
import { callCommand } from "./live-call.js";
import { hangupCommand } from "./live-hangup.js";
import { impairCommand } from "./live-impair.js";
import { shellCommand } from "./live-shell.js";
import { captureCommand, reportCommand } from "./live-capture.js";
import { STATE_FILE } from "./live-state.js";
import { FAILED, OK, USAGE_ERROR, UsageError, type Command } from "./command.js";

const log = stderrLogger();
const out = { stdout: (s: string) => void process.stdout.write(s), stderr: (s: string) => void process.stderr.write(s) };

const COMMANDS: Record<string, Command> = {
  validate: {
    usage: "validate <topology|folder|name>...",
    summary: "check topology files; every problem as file: path: message",
    help: "Checks each topology (a file, a folder of *.yaml files, or a name under topologies/) without Docker,\nincluding declared subnets against this host's routes. Prints every problem as `file: path: message`.\nExit 0 when all are valid, 1 when any has a problem.",
    run: (files) => validateCommand(files, out),
  },
  truth: truthCli,
  diagnose: diagnoseCommand(deriveTruth),
  inspect: (await import("./inspect.js")).inspectCli,
  images: {
    usage: "images [--remove]",
    summary: "build (or find) every image, showing progress",
    help: "Builds the base and role images that are missing (each tagged by a hash of what it is built from).\nWith --remove it removes every image callpath built instead (the imported Debian root stays), so the\nnext run builds from nothing, as on a fresh machine.",
    options: { remove: { type: "boolean" } },
    run: async (positionals, values) => {
      if (positionals.length > 0) throw new UsageError("images takes no arguments");
      const d = await ensureDockerEngine(log);
      if (values.remove === true) {
        const removed = await removeBuiltImages(d);
        process.stdout.write(`removed ${removed.length} image(s)${removed.length > 0 ? `: ${removed.join(", ")}` : ""}\n`);
        return OK;
      }
      const images = await ensureImages(d, log);
      for (const [name, tag] of Object.entries(images)) process.stdout.write(`${name.padEnd(11)} ${tag}\n`);
      return OK;
    },
  },
  up: upCommand(log),
  call: callCommand(out),
  hangup: hangupCommand(out),
  impair: impairCommand(out),
  shell: shellCommand(),
  capture: captureCommand(out),
  report: reportCommand(out),
  down: downCommand(log),
  labs: {
    usage: "labs",
    summary: "list the callpath labs on this Docker engine",
    help: "Lists every lab: its id, topology, containers, and whether it is kept (`up`), live (its process runs) or an orphan.",
    run: async () => {
      const labs = await listLabs(await ensureDockerEngine(log));
      for (const l of labs)
        process.stdout.write(
          `${l.id}  ${l.topology.padEnd(20)} ${String(l.containers).padStart(3)} container(s)  ${l.kept ? "kept (callpath up)" : l.live ? "live" : "orphan"}\n`,
        );
      if (labs.length === 0) process.stdout.write("no labs\n");
      return OK;
    },
  },
  prune: {
    usage: "prune [--all]",
    summary: "remove leftovers of crashed runs (--all: every lab, live ones too)",
    help: "Removes the containers and networks of labs whose process is gone and that no one keeps.\nWith --all it removes every callpath lab on this engine, those of running tests and `callpath up` included.",
    options: { all: { type: "boolean" } },
    run: async (positionals, values) => {
      if (positionals.length > 0) throw new UsageError("prune takes no arguments");
      const d = await ensureDockerEngine(log);
      const r = await sweepLabs(d, { onlyOrphans: values.all !== true });
      if (values.all === true) await rm(STATE_FILE, { force: true });
      process.stdout.write(
        `removed ${r.containers.length} container(s), ${r.networks.length} network(s)${values.all === true ? "" : " of orphaned labs (live and kept labs stay; --all removes them too)"}\n`,
      );
      for (const e of r.errors) process.stderr.write(`callpath prune: ${e}\n`);
      return r.errors.length > 0 ? FAILED : OK;
    },
  },
};

function version(): string {
  return (JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as { version: string }).version;
}

function usage(): string {
  const width = Math.max(...Object.values(COMMANDS).map((c) => c.usage.length));
  return [
    "usage: callpath <command> [args]   (callpath help <command> for more)",
    "",
    ...Object.values(COMMANDS).map((c) => `  ${c.usage.padEnd(width)}   ${c.summary}`),
    "",
    "  --help, -h      this text       --version, -V   callpath's version",
    "exit codes: 0 ok, 1 a check or action failed, 2 usage error",
    "",
  ].join("\n");
}

function commandHelp(c: Command): string {
  return `usage: callpath ${c.usage}\n\n${c.help}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    process.stderr.write(usage());
    return USAGE_ERROR;
  }
  if (first === "--help" || first === "-h") {
    process.stdout.write(usage());
    return OK;
  }
  if (first === "--version" || first === "-V") {
    process.stdout.write(`callpath ${version()}\n`);
    return OK;
  }
  if (first === "help") {
    const c = rest[0] ? COMMANDS[rest[0]] : undefined;
    if (rest[0] && !c) throw new UsageError(`unknown command "${rest[0]}"; commands: ${Object.keys(COMMANDS).join(", ")}`);
    process.stdout.write(c ? commandHelp(c) : usage());
    return OK;
  }
  const cmd = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (!cmd) throw new UsageError(`unknown command "${first}"; commands: ${Object.keys(COMMANDS).join(", ")} (callpath --help)`);
  let parsed: { positionals: string[]; values: Record<string, unknown> };
  try {
    parsed = parseArgs({ args: rest, allowPositionals: true, strict: true, options: { help: { type: "boolean", short: "h" }, ...cmd.options } });
  } catch (e) {
    throw new UsageError(`${first}: ${(e as Error).message.split("\n")[0]} (callpath help ${first})`);
  }
  if (parsed.values.help === true) {
    process.stdout.write(commandHelp(cmd));
    return OK;
  }
  try {
    return await cmd.run(parsed.positionals, parsed.values);
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(`${first}: ${e.message}`);
    throw e;
  }
}

// After Ctrl-C the interrupt's teardown ends the process (exit 130) once the labs are gone: a command that
// fails because of the interrupt must not exit before that.
const exit = (code: number): void => {
  if (!activeLabs.isExiting) process.exit(code);
};

main(process.argv.slice(2)).then(exit, (e: unknown) => {
  if (e instanceof TopologyError) {
    // The same lines `validate` prints, so a problem reads alike whichever command found it.
    process.stdout.write(`${formatIssues(e.file, e.issues)}\n`);
    return exit(FAILED);
  }
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`callpath${e instanceof UsageError && /^[a-z]+: /.test(message) ? " " : ": "}${message}\n`);
  exit(e instanceof UsageError ? USAGE_ERROR : FAILED);
});
