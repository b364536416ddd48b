import { LabError } from "./errors.js";

/** Polls `probe` until it returns true; fails with a message naming what was awaited. */
export async function retryUntil(
  probe: () => Promise<boolean>,
  opts: { timeoutMs: number; intervalMs: number; what: string; signal?: AbortSignal },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: unknown;
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      if (await probe()) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) {
      const why = last instanceof Error ? ` (last error: ${last.message})` : "";
      throw new LabError(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what}${why}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs));
  }
}

/** Reads `read` every `intervalMs` until `done` holds or `limitMs` passes; returns the last value either way. */
export async function pollUntil<T>(read: () => Promise<T>, done: (v: T) => boolean, limitMs: number, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
