// The known signal each agent sends, and the detector that tells which signal arrived.
export const SAMPLE_RATE = 8000;

/** Samples [from, from+count) of a sine at `hz`, amplitude about -10 dBFS, at `rate` samples per second. */
export function toneSamples(hz: number, from: number, count: number, rate = SAMPLE_RATE): Float64Array {
  const out = new Float64Array(count);
  const w = (2 * Math.PI * hz) / rate;
  for (let i = 0; i < count; i++) out[i] = 10000 * Math.sin(w * (from + i));
  return out;
}

/** Goertzel power of one frequency over a block of samples. */
export function goertzelPower(samples: ArrayLike<number>, hz: number): number {
  const coeff = 2 * Math.cos((2 * Math.PI * hz) / SAMPLE_RATE);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < samples.length; i++) {
    const s0 = (samples[i] ?? 0) + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

export interface DetectedSignal {
  /** Strongest frequency in 100..3400 Hz (10 Hz steps), or null when the block is silent. */
  readonly dominantHz: number | null;
  /** Share of the block's energy that sits at the dominant frequency (0..1); a clean tone is near 1. */
  readonly purity: number;
}

/** Finds the dominant tone; a coarse scan then a 1 Hz refinement keeps it cheap. */
export function detectTone(samples: ArrayLike<number>): DetectedSignal {
  const n = samples.length;
  if (n < 160) return { dominantHz: null, purity: 0 };
  let energy = 0;
  for (let i = 0; i < n; i++) energy += (samples[i] ?? 0) ** 2;
  if (energy / n < 1e4) return { dominantHz: null, purity: 0 };
  let best = 0;
  let bestHz = 0;
  for (let hz = 100; hz <= 3400; hz += 10) {
    const p = goertzelPower(samples, hz);
    if (p > best) [best, bestHz] = [p, hz];
  }
  for (let hz = bestHz - 9; hz <= bestHz + 9; hz++) {
    const p = goertzelPower(samples, hz);
    if (p > best) [best, bestHz] = [p, hz];
  }
  // Goertzel power of a pure sine is (A*n/2)^2 while the energy is A^2*n/2: normalise to 0..1.
  const purity = Math.min(1, (2 * best) / (n * energy));
  return { dominantHz: bestHz, purity };
}
