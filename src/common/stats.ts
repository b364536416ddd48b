// Small statistics shared by steps and benchmarks.

/** The sample at rank floor(n·q) of the sorted samples (q = 0.5: the median); NaN when there are none. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))] ?? NaN;
}

export const median = (xs: readonly number[]): number => quantile(xs, 0.5);

/** The (Wilson) interval for a proportion, 95 % by default: is a measured loss rate consistent with the configured one? */
export function wilsonInterval(successes: number, n: number, z = 1.96): { lo: number; hi: number } {
  if (n === 0) return { lo: 0, hi: 1 };
  const p = successes / n;
  const d = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / d;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return { lo: Math.max(0, centre - half), hi: Math.min(1, centre + half) };
}
