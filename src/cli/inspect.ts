import { writeFile } from "node:fs/promises";
import { escapeControl } from "../common/errors.js";
import { stderrLogger } from "../common/log.js";
import { type CaptureFile, CaptureFileError, checkCaptureFile } from "../inspect/capture-file.js";
import { AnalyzerDissector, type Dissector } from "../inspect/dissector.js";
import { inspect } from "../inspect/inspect.js";
import { parseInspection } from "../inspect/packets.js";
import { formatJson, formatText } from "../inspect/report.js";
import { FAILED, OK, USAGE_ERROR, type Command } from "./command.js";
import { type Output, validateText } from "./validate.js";

// `callpath inspect <capture>`: what a customer's capture shows (ALG rewrites, UDP that gets no answer,
// TURN, fragments and ICMP "fragmentation needed", requests that time out, RTP that never comes back or
// stops), each with its packets, and a topology skeleton that reproduces it. The file is checked here
// first; tshark runs in an analyzer container that is removed when the command ends.

const USAGE = "inspect <capture.pcap|pcapng> [--json] [--topology-out <file.yaml>]";

export interface InspectOptions {
  readonly json?: boolean;
  readonly topologyOut?: string;
}

export interface InspectDeps {
  /** Where tshark runs; the real one is an analyzer container. */
  readonly dissector: () => Promise<Dissector>;
}

/** Output whose last write has reached the OS before the command returns (callpath's main exits right after). */
export interface FlushedOutput extends Output {
  flush?: () => Promise<void>;
}

/** Exit 0 with the report; 1 when the file is no capture inspect can read (or the skeleton cannot be written); 2 on a usage error. */
export async function inspectCommand(args: readonly string[], options: InspectOptions, out: FlushedOutput, deps: InspectDeps): Promise<number> {
  if (args.length !== 1) {
    out.stderr(`callpath inspect: ${args.length === 0 ? "name a capture file" : "name one capture file"}\nusage: callpath ${USAGE}\n`);
    return USAGE_ERROR;
  }
  if (options.topologyOut !== undefined && options.topologyOut.trim() === "") {
    out.stderr(`callpath inspect: --topology-out needs a file name\nusage: callpath ${USAGE}\n`);
    return USAGE_ERROR;
  }
  const path = args[0]!;
  const shown = escapeControl(path);
  const fail = (message: string): number => {
    out.stderr(`callpath inspect: ${shown}: ${message}\n`);
    return FAILED;
  };
  let file: CaptureFile;
  try {
    file = await checkCaptureFile(path);
  } catch (e) {
    if (e instanceof CaptureFileError) return fail(e.message);
    throw e;
  }
  const dissector = await deps.dissector();
  let json: string;
  let warnings: readonly string[];
  try {
    ({ json, warnings } = await dissector.dissect(file));
  } catch (e) {
    if (e instanceof CaptureFileError) return fail(e.message);
    throw e;
  } finally {
    await dissector.close();
  }
  for (const w of warnings) out.stderr(`callpath inspect: ${shown}: ${escapeControl(w)}\n`);
  let packets: ReturnType<typeof parseInspection>;
  try {
    packets = parseInspection(json);
  } catch (e) {
    return fail(`tshark's dissection could not be read (${escapeControl((e as Error).message).slice(0, 200)})`);
  }
  if (packets.length === 0)
    out.stderr(`callpath inspect: ${shown}: no IPv4 SIP, STUN, RTP, ICMP, TLS handshake or fragment in it: nothing to inspect (IPv6 is not read yet)\n`);
  const report = inspect(path, packets);
  // The skeleton must be what `callpath validate` accepts: checked the same way before it is written or shown.
  const check = validateText(options.topologyOut ?? "(skeleton)", report.skeleton.yaml);
  if (!check.ok) {
    out.stderr(`callpath inspect: the topology skeleton does not validate (a bug in callpath; please report it):\n${check.lines.join("\n")}\n`);
    return FAILED;
  }
  out.stdout(options.json ? formatJson(report) : formatText(report));
  if (options.topologyOut !== undefined) {
    try {
      await writeFile(options.topologyOut, report.skeleton.yaml);
    } catch (e) {
      await out.flush?.();
      out.stderr(
        `callpath inspect: cannot write the topology skeleton to ${escapeControl(options.topologyOut)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`,
      );
      return FAILED;
    }
    out.stderr(`callpath inspect: topology skeleton written to ${escapeControl(options.topologyOut)} (${check.summary})\n`);
  }
  await out.flush?.();
  return OK;
}

const write =
  (stream: NodeJS.WriteStream) =>
  (s: string): void =>
    void stream.write(s);

/** The command as callpath's main registers it. */
export const inspectCli: Command = {
  usage: USAGE,
  summary: "read a capture (pcap/pcapng): ALG rewrites, UDP blocked, TURN, fragments, timeouts, one-way RTP; and a topology that reproduces it",
  help: [
    "Reads a capture file (a customer's, or one of callpath's own) with tshark in an analyzer container and",
    "reports what it shows, each finding with its packets (frame numbers, times, addresses): SIP whose",
    "Via/Contact/SDP disagree with where it came from (a NAT the phone does not know, an ALG that rewrote",
    "some addresses), UDP that gets no answer while TCP/TLS does, TURN allocations and relayed media, IP",
    "fragments and ICMP 'fragmentation needed', requests that end in 408 or nothing (Timer B), and RTP that",
    "never comes back or stops. Then the causes, and a topology skeleton that reproduces them (callpath",
    "validate accepts it). A capture without node:network interface names is read by addresses alone.",
    "",
    "  --json                   the report as JSON",
    "  --topology-out <file>    write the skeleton there too",
    "",
    "Exit 0 with the report, 1 when the file is missing, empty, not a capture or too large (up to 100 MB),",
    "2 on a usage error.",
  ].join("\n"),
  options: { json: { type: "boolean" }, "topology-out": { type: "string" } },
  run: async (positionals, values) => {
    // An interrupt tears the analyzer down under the command (callpath's signal handler, which then exits
    // 130): what fails after it is the interrupt's doing, not the file's.
    let interrupted = false;
    const onSignal = (): void => void (interrupted = true);
    process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
    try {
      return await inspectCommand(
        positionals,
        { json: values.json === true, topologyOut: typeof values["topology-out"] === "string" ? values["topology-out"] : undefined },
        {
          stdout: write(process.stdout),
          stderr: (s) => void (interrupted ? undefined : process.stderr.write(s)),
          flush: () => new Promise<void>((resolve) => process.stdout.write("", () => resolve())),
        },
        { dissector: () => AnalyzerDissector.open(stderrLogger()) },
      ).then((code) => (interrupted ? INTERRUPTED : code));
    } catch (e) {
      if (interrupted) return INTERRUPTED;
      throw e;
    } finally {
      process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
    }
  },
};

/** What a shell reports for a command ended by Ctrl-C (128 + SIGINT). */
const INTERRUPTED = 130;
