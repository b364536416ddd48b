import type { RtpStats } from "./ice-report.js";

/** What one side of a call received over a window, from repeated getStats samples. */
export interface QualitySample {
  /** Mean and worst RFC 3550 interarrival jitter seen at the receiver, ms. */
  readonly jitterMeanMs: number;
  readonly jitterMaxMs: number;
  /** Mean RTCP round-trip time, ms (null when no report came back). */
  readonly rttMeanMs: number | null;
  readonly received: number;
  readonly lost: number;
}

/**
 * Summarises a receiver's RTP stats sampled over a window: jitter is an estimate that decays within a
 * second, so one sample at the end would miss the stalls; every sample counts.
 */
export function summarise(samples: readonly RtpStats[]): QualitySample {
  const jitter = samples.map((s) => s.jitterMs).filter((x): x is number => x !== null);
  const rtt = samples.map((s) => s.rttMs).filter((x): x is number => x !== null);
  const first = samples[0];
  const last = samples[samples.length - 1];
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return {
    jitterMeanMs: mean(jitter),
    jitterMaxMs: jitter.length ? Math.max(...jitter) : 0,
    rttMeanMs: rtt.length ? mean(rtt) : null,
    received: last && first ? last.packetsReceived - first.packetsReceived : 0,
    lost: last && first ? last.packetsLost - first.packetsLost : 0,
  };
}

export function formatQuality(label: string, who: string, q: QualitySample): string {
  return `${label} at ${who}: jitter mean ${q.jitterMeanMs.toFixed(1)} ms, worst ${q.jitterMaxMs.toFixed(1)} ms; rtt ${q.rttMeanMs === null ? "?" : q.rttMeanMs.toFixed(0)} ms; ${q.received} received, ${q.lost} lost`;
}
