import { createReadStream } from "node:fs";
import tar from "tar-stream";
import { Analyzer } from "../capture/analyzer.js";
import type { Logger } from "../common/log.js";
import { ensureDockerEngine } from "../lab/docker-engine.js";
import { ensureImages } from "../lab/images.js";
import { type CaptureFile, CaptureFileError, MAX_DISSECTION_BYTES, MAX_PACKETS, mib, readCapinfos } from "./capture-file.js";
import { inspectArgs } from "./packets.js";

// The capture's way through tshark: into an analyzer container of its own (Wireshark's tools, no
// network), counted by capinfos, dissected by tshark into JSON, and back. The container is removed when
// inspect ends, however it ends (and by callpath's sweep if the process dies first); nothing is written
// on the host.

export interface Dissection {
  readonly json: string;
  readonly packets: number;
  readonly warnings: readonly string[];
}

export interface Dissector {
  dissect(file: CaptureFile): Promise<Dissection>;
  close(): Promise<void>;
}

const IN = "/inspect";

// tshark's JSON is indented; a string value never spans lines, so leading blanks and line ends go
// without touching what a value holds. A capture cut short mid-packet makes tshark exit 2 after writing
// every frame before the cut: that is read, with a warning (capinfos gave it already).
const DISSECT = `
out=$1; shift
rc=0; tshark "$@" > "$out.raw" 2>"$out.err" || rc=$?
if [ "$rc" -ne 0 ] && ! grep -q "cut short" "$out.err"; then cat "$out.err" >&2; exit 3; fi
sed 's/^ *//' "$out.raw" | tr -d '\\n' > "$out"
rm -f "$out.raw"
stat -c %s "$out"
`;

/** A tar stream of one file, read from disk as it is sent. */
function tarOf(name: string, path: string, size: number): NodeJS.ReadableStream {
  const pack = tar.pack();
  const entry = pack.entry({ name, size }, (e) => {
    if (e) pack.destroy(e);
    else pack.finalize();
  });
  createReadStream(path)
    .on("error", (e) => pack.destroy(e))
    .pipe(entry);
  return pack;
}

export class AnalyzerDissector implements Dissector {
  private constructor(private readonly analyzer: Analyzer) {}

  /** Finds Docker and the analyzer image (building it when missing, as every callpath command does) and starts a container. */
  static async open(log: Logger): Promise<AnalyzerDissector> {
    const d = await ensureDockerEngine(log);
    const images = await ensureImages(d, log);
    return new AnalyzerDissector(await Analyzer.open(d, images.analyzer));
  }

  async dissect(file: CaptureFile): Promise<Dissection> {
    const name = `capture.${file.format === "gzip" ? "pcap.gz" : file.format === "pcapng" ? "pcapng" : "pcap"}`;
    await this.analyzer.put(IN, tarOf(name, file.path, file.size));
    const path = `${IN}/${name}`;
    const info = await this.analyzer.run('capinfos -T -r -c "$1"', [path], { allowFailure: true });
    const { packets, warning } = readCapinfos(info.stdout, info.stderr, info.exitCode);
    if (packets === 0) throw new CaptureFileError("holds no packets (a capture file header and nothing after it)");
    if (packets > MAX_PACKETS)
      throw new CaptureFileError(
        `holds ${packets} packets; inspect reads up to ${MAX_PACKETS}: cut it to the call first (editcap -r <file> <out> 1-${MAX_PACKETS}, or by time with -A/-B)`,
      );
    const r = await this.analyzer.run(DISSECT, [`${IN}/dissection.json`, ...inspectArgs(path)], { allowFailure: true });
    if (r.exitCode !== 0) {
      const said = r.stderr.split("\n").find((l) => l.startsWith("tshark:")) ?? r.stderr.trim().split("\n")[0] ?? `exit ${r.exitCode}`;
      throw new CaptureFileError(`tshark could not read it: ${said.replace(/^tshark: /, "")}`);
    }
    const bytes = Number(r.stdout.trim());
    if (bytes > MAX_DISSECTION_BYTES)
      throw new CaptureFileError(
        `its ${packets} packets hold ${mib(bytes)} of SIP, RTP, STUN and ICMP to dissect; inspect reads up to ${mib(MAX_DISSECTION_BYTES)}: cut it to the call first`,
      );
    const json = (await this.analyzer.readFile(`${IN}/dissection.json`)).toString("utf8");
    const stderr = (await this.analyzer.run('cat "$1"', [`${IN}/dissection.json.err`], { allowFailure: true })).stdout;
    const warnings = [
      ...(warning ? [warning] : []),
      ...stderr
        .split("\n")
        .filter((l) => l.startsWith("tshark:") && !/cut short/.test(l))
        .map((l) => l.replace(/The file "[^"]*"/, "the file")),
    ];
    return { json, packets, warnings };
  }

  /** Removes the container; one already gone (or going: an interrupt's teardown got there first) is closed. */
  async close(): Promise<void> {
    await this.analyzer.close().catch((e: { statusCode?: number }) => {
      if (e.statusCode !== 404 && e.statusCode !== 409) throw e;
    });
  }
}
