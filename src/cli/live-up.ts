import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { LabError, TopologyError } from "../common/errors.js";
import type { Logger } from "../common/log.js";
import { builtinKinds } from "../kinds/builtin.js";
import { ensureDockerEngine } from "../lab/docker-engine.js";
import { ensureImages } from "../lab/images.js";
import { Lab } from "../lab/lab.js";
import { captureSettings } from "../capture/capture-settings.js";
import { listLabs, sweepLabs } from "../lab/sweep.js";
import { parseTopology } from "../topology/load.js";
import { FAILED, OK, UsageError, type Command } from "./command.js";
import { recordedLabId, removeUpState, STATE_FILE, writeUpState } from "./live-state.js";
import { parseSets } from "./truth.js";
import { topologyPath } from "./validate.js";

// `callpath up` and `callpath down`: a lab a person keeps. `up` records the lab and its topology (the text
// as it was, and the --set variant) in the state file, so the live commands attach to it later.

export function upCommand(log: Logger, stateFile = STATE_FILE): Command {
  return {
    usage: "up <topology|name> [--set path=value]...",
    summary: "start a lab and leave it running; prints how to exec into each node",
    help: [
      "Starts a lab from a topology and keeps it until `callpath down`: no test run's sweep removes it. Its user",
      "agents run as daemons in their nodes, so `callpath call`, `hangup`, `impair` and `shell` work on it later.",
      '--set applies a variant, as a scenario\'s "running with:" table does (--set nodes.nat1.alg=headers-not-sdp,',
      "repeatable). One lab at a time: exit 1 while the lab `up` recorded is still there.",
    ].join("\n"),
    options: { set: { type: "string", multiple: true } },
    run: async ([arg, ...extra], values) => {
      if (!arg || extra.length > 0) throw new UsageError("name one topology (a file, or a name under topologies/)");
      const overrides = parseSets((values.set as string[] | undefined) ?? []);
      if (typeof overrides === "string") throw new UsageError(overrides);
      const file = resolve(topologyPath(arg));
      const text = await readFile(file, "utf8").catch((e: NodeJS.ErrnoException) => {
        throw new TopologyError(file, [{ path: "", message: `cannot read the file (${e.code ?? String(e)})` }]);
      });
      const topo = parseTopology(text, file, builtinKinds(), overrides);
      const d = await ensureDockerEngine(log);
      const recorded = await recordedLabId(stateFile);
      if (recorded && (await listLabs(d)).some((l) => l.id === recorded))
        throw new LabError(`lab ${recorded} is already up (recorded in ${stateFile}); remove it first with \`callpath down\``);
      const images = await ensureImages(d, log);
      // Captures on (unless CALLPATH_CAPTURE=off) from the start: `callpath capture` and `report` read them.
      const capture = captureSettings();
      const lab = await new Lab(topo, { images, log, keep: true, capture: capture.mode === "off" ? undefined : capture.ring }).start();
      // The containers and the agents' daemons stay until `callpath down`; this process's channels end with it.
      await writeUpState({ id: lab.id, topology: topo.name, file, text, overrides, startedAt: new Date().toISOString() }, stateFile);
      process.stdout.write(
        [
          `lab ${lab.id} (${topo.name}) is up:`,
          lab.describe(),
          "",
          "try: callpath call <agent> <agent>   callpath impair <node> <network> <yaml>   callpath shell <node>",
          "remove it with: callpath down",
          "",
        ].join("\n"),
      );
      process.exit(OK);
    },
  };
}

export function downCommand(log: Logger, stateFile = STATE_FILE): Command {
  return {
    usage: "down [<lab-id>]",
    summary: "remove the lab started by 'up' (or the one named)",
    help: "Removes a lab's containers and networks: the one `callpath up` recorded, or the lab id given.\nExit 1 when no such lab exists (see `callpath labs`).",
    run: async ([id, ...extra]) => {
      if (extra.length > 0) throw new UsageError("name at most one lab id");
      const recorded = await recordedLabId(stateFile);
      const labId = id ?? recorded;
      if (!labId) throw new UsageError("no lab recorded by 'callpath up'; name one (see 'callpath labs')");
      const d = await ensureDockerEngine(log);
      const r = await sweepLabs(d, { onlyOrphans: false, labId });
      if (labId === recorded) await removeUpState(stateFile);
      if (r.containers.length + r.networks.length + r.errors.length === 0) {
        const labs = await listLabs(d);
        process.stderr.write(`callpath down: no lab "${labId}"; labs here: ${labs.map((l) => `${l.id} (${l.topology})`).join(", ") || "none"}\n`);
        return FAILED;
      }
      process.stdout.write(`lab ${labId}: removed ${r.containers.length} container(s), ${r.networks.length} network(s)\n`);
      for (const e of r.errors) process.stderr.write(`callpath down: ${e}\n`);
      return r.errors.length > 0 ? FAILED : OK;
    },
  };
}
