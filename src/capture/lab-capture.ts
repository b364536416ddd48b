import { interfaceLabel, ringBase } from "./capture-plan.js";
import type { Analyzer } from "./analyzer.js";
import type { InterfaceCapture } from "./node-capture.js";

/**
 * One node's capture as the merge sees it: the lab's own NodeCapture, or one a later process found in a
 * kept lab (which it cannot stop: a live lab's captures run until `callpath down`).
 */
export interface CaptureSource {
  readonly node: string;
  readonly interfaces: readonly InterfaceCapture[];
  readonly directory: string;
  stop?(): Promise<{ dropped: number }>;
}

/** A lab's captures merged: one pcapng (interfaces named node:network, TLS keys inside), in the analyzer and in hand. */
export interface MergedCapture {
  /** The merged file's path inside the analyzer, until `discard`. */
  readonly path: string;
  /**
   * Each interface's own pcapng in the analyzer, until `discard`. Dissect these, not the merged file: one
   * TCP connection seen at both ends of a link has the same addresses and ports on both interfaces, and
   * tshark, which tracks conversations by addresses and ports alone, takes the second sighting for
   * retransmissions and never reassembles its SIP.
   */
  readonly perInterface: ReadonlyArray<{ readonly label: string; readonly path: string }>;
  readonly pcapng: Buffer;
  readonly interfaces: readonly InterfaceCapture[];
  /** Packets the kernel dropped before tcpdump read them: the capture is incomplete when this is not 0. */
  readonly dropped: number;
  /** Whether the agents' TLS key log went in (decryption secrets block). */
  readonly tlsKeys: boolean;
  /** The key log's path in the analyzer, for tshark on the per-interface files (which carry no secrets block). */
  readonly keylog: string | null;
  /** What mergecap said of files cut short (a copy taken while tcpdump ran) or anything else amiss. */
  readonly warnings: string;
  discard(): Promise<void>;
}

// One interface per argument triple: its label, the folder its ring files were unpacked to, their base
// name. mergecap puts each ring in time order (a file cut short mid-packet, as a copy of a running
// capture can be, keeps what came before; mergecap says so on stderr and exits 2, which is not a
// failure here), dumpcap names the interface, and mergecap joins the interfaces.
const MERGE_SCRIPT = `
W=$1; shift
mkdir -p "$W/out"
n=0
while [ $# -gt 0 ]; do
  n=$((n+1))
  { mergecap -F pcap -w - "$2/$3"* 2>>"$W/warnings.txt" || true; } | dumpcap -q -i - --ifname "$1" -w "$W/out/$(printf %04d $n).pcapng" 2>"$W/dumpcap.txt" \
    || { echo "dumpcap on $1:" >&2; cat "$W/dumpcap.txt" "$W/warnings.txt" >&2; ls -la "$2" >&2; exit 1; }
  shift 3
done
mergecap -w "$W/lab.pcapng" "$W"/out/*.pcapng
cat "$W"/nodes/*/capture/tls-keys.log > "$W/tls-keys.log" 2>/dev/null || true
if [ -s "$W/tls-keys.log" ]; then
  editcap --inject-secrets "tls,$W/tls-keys.log" "$W/lab.pcapng" "$W/lab-tls.pcapng"
  mv "$W/lab-tls.pcapng" "$W/lab.pcapng"
  echo tls-keys
fi
cat "$W/warnings.txt" >&2 2>/dev/null || true
`;

/** Every capturing node of a lab, and how to merge what they wrote. */
export class LabCapture {
  constructor(
    readonly labId: string,
    private readonly nodes: ReadonlyMap<string, CaptureSource>,
    /** A tar stream of a node's capture folder. */
    private readonly archiveOf: (node: string, path: string) => Promise<NodeJS.ReadableStream>,
  ) {}

  interfaces(): InterfaceCapture[] {
    return [...this.nodes.values()].flatMap((n) => n.interfaces);
  }

  /** Stops every node's capture; the files are then complete. Returns the packets the kernels dropped. */
  async stop(): Promise<number> {
    const all = await Promise.all([...this.nodes.values()].map((n) => n.stop?.() ?? { dropped: 0 }));
    return all.reduce((s, r) => s + r.dropped, 0);
  }

  /**
   * Copies every node's ring files into the analyzer and merges them. `final` stops the captures first
   * (teardown); otherwise the copy is of captures still running (a live lab's `callpath capture`).
   */
  async merge(analyzer: Analyzer, opts: { final: boolean }): Promise<MergedCapture> {
    const dropped = opts.final ? await this.stop() : 0;
    const work = `/work/${this.labId}-${Date.now().toString(36)}`;
    await Promise.all([...this.nodes.values()].map(async (n) => analyzer.put(`${work}/nodes/${n.node}`, await this.archiveOf(n.node, n.directory))));
    const args = this.interfaces().flatMap((i) => [interfaceLabel(i), `${work}/nodes/${i.node}/capture`, ringBase(i)]);
    const r = await analyzer.run(MERGE_SCRIPT, [work, ...args]);
    const path = `${work}/lab.pcapng`;
    return {
      path,
      perInterface: this.interfaces().map((i, n) => ({ label: interfaceLabel(i), path: `${work}/out/${String(n + 1).padStart(4, "0")}.pcapng` })),
      pcapng: await analyzer.readFile(path),
      interfaces: this.interfaces(),
      dropped,
      tlsKeys: r.stdout.includes("tls-keys"),
      keylog: r.stdout.includes("tls-keys") ? `${work}/tls-keys.log` : null,
      warnings: r.stderr.trim(),
      discard: async () => void (await analyzer.run('rm -rf "$1"', [work], { allowFailure: true })),
    };
  }
}
