// A MOS-style estimate from one-way delay, jitter and loss: the simplified E-model (ITU-T G.107) that
// network-monitoring tools commonly use. Effective latency counts jitter twice (the jitter buffer must absorb
// it) plus 10 ms of codec delay; R starts at 93.2 and loses a point per 40 ms of effective latency up to
// 160 ms, one per 10 ms beyond, and 2.5 per percent of loss; MOS follows from R by G.107's mapping.
// It ranks paths; it is not a listening test.

export interface PathQuality {
  readonly oneWayMs: number;
  readonly jitterMs: number;
  readonly lossPct: number;
}

export function rFactor(q: PathQuality): number {
  const effective = q.oneWayMs + 2 * q.jitterMs + 10;
  const r = effective < 160 ? 93.2 - effective / 40 : 93.2 - (effective - 120) / 10;
  return Math.max(0, Math.min(100, r - 2.5 * q.lossPct));
}

export function mosOf(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + 0.000007 * r * (r - 60) * (100 - r);
}

export const estimateMos = (q: PathQuality): number => mosOf(rFactor(q));

/** RFC 3550's notion of jitter for a run of one-way delays: the mean change from one packet to the next. */
export function meanDelayVariation(delaysMs: readonly number[]): number {
  let sum = 0;
  for (let i = 1; i < delaysMs.length; i++) sum += Math.abs(delaysMs[i]! - delaysMs[i - 1]!);
  return delaysMs.length > 1 ? sum / (delaysMs.length - 1) : 0;
}
