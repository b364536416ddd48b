import { addressFindings } from "./addresses.js";
import { type Cause, causes } from "./causes.js";
import { type CaptureInfo, captureInfo, type Finding } from "./finding.js";
import { fragmentFindings } from "./fragments.js";
import type { InspectPacket } from "./packets.js";
import { rtpFindings } from "./rtp.js";
import { buildSkeleton, type Skeleton, seatOf } from "./skeleton.js";
import { transactionFindings } from "./transactions.js";
import { turnFindings } from "./turn.js";
import { udpFindings } from "./udp.js";

// The inspector as one pure function: packets in, findings, causes and a topology skeleton out.

export interface Inspection {
  readonly source: string;
  readonly capture: CaptureInfo & { readonly counts: Readonly<Record<string, number>> };
  /** Problems first, then context. */
  readonly findings: readonly Finding[];
  readonly causes: readonly Cause[];
  readonly skeleton: Skeleton;
}

function counts(packets: readonly InspectPacket[]): Record<string, number> {
  return {
    sip: packets.filter((p) => p.sip).length,
    stun: packets.filter((p) => p.stun || p.channel !== null).length,
    rtp: packets.filter((p) => p.rtp && !p.sip && !p.stun).length,
    icmp: packets.filter((p) => p.transport === "icmp").length,
    fragments: packets.filter((p) => p.fragment).length,
    tls: packets.filter((p) => p.tls).length,
  };
}

export function inspect(source: string, packets: readonly InspectPacket[]): Inspection {
  const sorted = [...packets].sort((a, b) => a.time - b.time || a.no - b.no);
  const info = captureInfo(sorted);
  const all = [
    ...addressFindings(sorted, info),
    ...udpFindings(sorted, info),
    ...fragmentFindings(sorted, info),
    ...transactionFindings(sorted, info),
    ...rtpFindings(sorted, info),
    ...turnFindings(sorted, info),
  ];
  const first = [...all.filter((f) => f.severity === "problem"), ...all.filter((f) => f.severity === "context")];
  // Context about the seat (the host the causes are about) before context about other hosts.
  const seat = seatOf(first, causes(first, sorted), sorted).address;
  const mine = (f: Finding): boolean => seat !== null && f.evidence.some((e) => e.from.split(":")[0] === seat || e.to.split(":")[0] === seat);
  const findings = [
    ...first.filter((f) => f.severity === "problem"),
    ...first.filter((f) => f.severity === "context" && mine(f)),
    ...first.filter((f) => f.severity === "context" && !mine(f)),
  ];
  const cs = causes(findings, sorted);
  return { source, capture: { ...info, counts: counts(sorted) }, findings, causes: cs, skeleton: buildSkeleton(source, findings, cs, sorted) };
}
