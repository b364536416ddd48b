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
  try {
    release = await lockfile.lock(path, {
      realpath: false,
      stale: 20_000,
      update: 5_000,
      retries: { retries: Math.ceil(waitMs / 500), factor: 1, minTimeout: 500, maxTimeout: 500 },
    });
  } catch (e) {
    throw new LabError(`could not take the lock ${path}${opts.what ? ` (${opts.what})` : ""} within ${Math.round(waitMs / 1000)} s: ${(e as Error).message}`);
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}
