import type { ResolvedTopology } from "../topology/types.js";
import type { LabCapture } from "./lab-capture.js";
import type { Analyzer } from "./analyzer.js";
import { orderInterfaces } from "./columns.js";
import { dissectEach, type Packet } from "./dissect.js";
import { buildLadder, type Ladder } from "./ladder.js";
import { ladderSvg } from "./ladder-svg.js";

/** What a lab's capture shows a person: the merged pcapng, the ladder drawn from it, and a summary. */
export interface CaptureEvidence {
  readonly pcapng: Buffer;
  readonly ladder: Ladder;
  readonly svg: string;
  readonly packets: readonly Packet[];
  readonly summary: string;
}

/** What evidence needs of a lab: a started one (StartedLab) or one a later process attached to (AttachedLab). */
export interface CapturingLab {
  readonly id: string;
  readonly topology: ResolvedTopology;
  forwarders(): Array<{ node: string; tunnel: boolean }>;
}

/**
 * Merges the lab's captures, dissects them with tshark and draws the ladder. `final` stops the captures
 * first (a scenario's end); otherwise it reads them as they are so far (a live lab).
 */
export async function captureEvidence(
  lab: CapturingLab,
  capture: LabCapture | undefined,
  analyzer: Analyzer,
  opts: { final: boolean; title: string },
): Promise<CaptureEvidence> {
  if (!capture) throw new Error(`lab ${lab.id} captures nothing (capture is off)`);
  const merged = await capture.merge(analyzer, { final: opts.final });
  try {
    const packets = await dissectEach(
      analyzer,
      merged.perInterface.map((i) => i.path),
      merged.keylog,
    );
    const forwarders = lab.forwarders();
    const columns = orderInterfaces(merged.interfaces, lab.topology, new Set(forwarders.map((f) => f.node))).map((i) => ({
      label: `${i.node}:${i.network}`,
      node: i.node,
      network: i.network,
      mac: i.mac,
    }));
    const boxes = forwarders.map((f) => ({ node: f.node, allExitsCaptured: !f.tunnel }));
    const ladder = buildLadder(packets, columns, boxes);
    const arrows = ladder.rows.filter((r) => r.kind === "arrow").length;
    const vanished = ladder.rows.filter((r) => r.kind === "vanished").length;
    const summary = [
      `capture of lab ${lab.id} (${lab.topology.name}): ${merged.pcapng.length} bytes, interfaces ${columns.map((c) => c.label).join(", ")}`,
      `ladder: ${arrows} arrows, ${vanished} message(s) that entered a box and never left${ladder.omitted ? `, ${ladder.omitted} rows left out` : ""}`,
      merged.tlsKeys ? "TLS keys of the agents are embedded (Wireshark decrypts SIP over TLS and WSS)" : "no TLS key log (no agent opened a TLS session)",
      merged.dropped > 0
        ? `the kernel dropped ${merged.dropped} packet(s) before tcpdump read them: the capture is incomplete`
        : "no packets dropped by the capture",
      ...(merged.warnings ? [`mergecap: ${merged.warnings}`] : []),
    ].join("\n");
    return { pcapng: merged.pcapng, ladder, svg: ladderSvg(ladder, `${lab.topology.name} — lab ${lab.id}: ${opts.title}`), packets, summary };
  } finally {
    await merged.discard();
  }
}
