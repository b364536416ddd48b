import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import lockfile from "proper-lockfile";
import { LabError } from "./errors.js";

/**
 * Runs `fn` while holding an exclusive lock on `path` across processes (proper-lockfile: an atomic mkdir,
 * refreshed while held, taken over once stale, so a crashed holder never blocks the next run for long).
 * Waits up to `waitMs` for the holder to finish.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, opts: { waitMs?: number; what?: string } = {}): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  const waitMs = opts.waitMs ?? 15 * 60_000;
  let release: () => Promise<void>;
  let compromised: Error | undefined;
  try {
    release = await lockfile.lock(path, {
      realpath: false,
      // The holder refreshes every 5 s; only one silent for a minute (crashed, or its event loop blocked)
      // loses the lock. proper-lockfile's default on a lost lock throws from a timer: record it instead.
      stale: 60_000,
      update: 5_000,
      onCompromised: (e) => {
        compromised = e;
      },
      retries: { retries: Math.ceil(waitMs / 500), factor: 1, minTimeout: 500, maxTimeout: 500 },
    });
  } catch (e) {
    throw new LabError(`could not take the lock ${path}${opts.what ? ` (${opts.what})` : ""} within ${Math.round(waitMs / 1000)} s: ${(e as Error).message}`);
  }
  let result: T;
  try {
    result = await fn();
  } finally {
    await release().catch(() => undefined);
  }
  if (compromised)
    throw new LabError(
      `the lock ${path}${opts.what ? ` (${opts.what})` : ""} was lost while held (${compromised.message}); another process may have done the same work at once: run again`,
    );
  return result;
}
