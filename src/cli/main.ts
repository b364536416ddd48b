import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { TopologyError } from "../common/errors.js";
import { stderrLogger } from "../common/log.js";
import { builtinKinds } from "../kinds/builtin.js";
import { ensureDockerEngine } from "../lab/docker-engine.js";
import { writeJson } from "../common/json-file.js";
import { ensureImages, PROJECT_ROOT } from "../lab/images.js";
import { Lab } from "../lab/lab.js";
import { sweepLabs } from "../lab/sweep.js";
import { loadTopology } from "../topology/load.js";

const USAGE = `usage: callpath <command> [args]

  validate <topology.yaml>...   check topology files; prints every problem as file: path: message; exit 1 on any
  images                        build (or find) every image, showing progress
  up <topology.yaml|name>       start a lab and leave it running; prints how to exec into each node
  down [<lab-id>]               remove the lab started by 'up' (or the one named)
  prune                         remove every labelled container and network (leftovers of crashed runs)
`;

const STATE_FILE = join(PROJECT_ROOT, ".callpath-up.json");
const log = stderrLogger();

function topologyPath(arg: string): string {
  return arg.endsWith(".yaml") || arg.endsWith(".yml") || arg.includes("/") ? arg : join(PROJECT_ROOT, "topologies", `${arg}.yaml`);
}

async function validate(files: string[]): Promise<number> {
  if (files.length === 0) {
    process.stderr.write("callpath validate: name at least one topology file\n");
    return 2;
  }
  const kinds = builtinKinds();
  let bad = 0;
  for (const file of files) {
    try {
      const t = await loadTopology(file, kinds);
      process.stdout.write(`${file}: ok (${t.nodes.size} nodes, ${t.networks.size} networks)\n`);
    } catch (e) {
      if (!(e instanceof TopologyError)) throw e;
      bad++;
      process.stdout.write(`${e.message}\n`);
    }
  }
  return bad > 0 ? 1 : 0;
}

async function up(arg: string | undefined): Promise<number> {
  if (!arg) {
    process.stderr.write("callpath up: name a topology (file or name under topologies/)\n");
    return 2;
  }
  const topo = await loadTopology(topologyPath(arg), builtinKinds());
  const d = await ensureDockerEngine(log);
  const images = await ensureImages(d, log);
  const lab = await new Lab(topo, { images, log }).start();
  // `up` leaves the lab for a person to use: its agents' control processes end with this command, the
  // containers stay until `callpath down`.
  await writeJson(STATE_FILE, { id: lab.id, topology: topo.name });
  process.stdout.write(`lab ${lab.id} (${topo.name}) is up:\n${lab.describe()}\n\nremove it with: callpath down\n`);
  process.exit(0);
}

async function down(id: string | undefined): Promise<number> {
  const labId = id ?? (JSON.parse(await readFile(STATE_FILE, "utf8").catch(() => "{}")) as { id?: string }).id;
  if (!labId) {
    process.stderr.write("callpath down: no lab recorded by 'callpath up'; name one, or use 'callpath prune'\n");
    return 2;
  }
  const d = await ensureDockerEngine(log);
  const r = await sweepLabs(d, { onlyOrphans: false, labId });
  await rm(STATE_FILE, { force: true });
  process.stdout.write(`lab ${labId}: removed ${r.containers.length} container(s), ${r.networks.length} network(s)\n`);
  for (const e of r.errors) process.stderr.write(`  error: ${e}\n`);
  return r.errors.length > 0 ? 1 : 0;
}

async function prune(): Promise<number> {
  const d = await ensureDockerEngine(log);
  const r = await sweepLabs(d, { onlyOrphans: false });
  await rm(STATE_FILE, { force: true });
  process.stdout.write(`removed ${r.containers.length} container(s), ${r.networks.length} network(s)\n`);
  for (const e of r.errors) process.stderr.write(`  error: ${e}\n`);
  return r.errors.length > 0 ? 1 : 0;
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { help: { type: "boolean", short: "h" } } });
  const [cmd, ...rest] = positionals;
  if (values.help || !cmd) {
    process.stdout.write(USAGE);
    return cmd || values.help ? 0 : 2;
  }
  switch (cmd) {
    case "validate":
      return validate(rest);
    case "images": {
      const images = await ensureImages(await ensureDockerEngine(log), log);
      for (const [name, tag] of Object.entries(images)) process.stdout.write(`${name.padEnd(11)} ${tag}\n`);
      return 0;
    }
    case "up":
      return up(rest[0]);
    case "down":
      return down(rest[0]);
    case "prune":
      return prune();
    default:
      process.stderr.write(`callpath: unknown command "${cmd}"; commands: validate, images, up, down, prune\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`callpath: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
