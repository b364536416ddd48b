import { LabError } from "../../common/errors.js";
import type { LogLine, LogStream } from "../log-stream.js";

// In the shape of testcontainers' LogWaitStrategy: a message (text or regex) that must appear `times`
// times, a timeout, an abort signal; lines already received since `since` count.

export interface LogWaitOptions {
  readonly times?: number;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** A LogStream mark; default: every line kept since the container started. */
  readonly since?: number;
  /** Names what is awaited, for the error. */
  readonly what?: string;
}

/** Resolves with the matching lines once `message` has appeared `times` times. */
export function waitForLog(stream: LogStream, message: string | RegExp, o: LogWaitOptions): Promise<LogLine[]> {
  const times = o.times ?? 1;
  const hits = (l: LogLine): boolean => (typeof message === "string" ? l.text.includes(message) : message.test(l.text));
  const found = stream.lines(o.since).filter(hits);
  if (found.length >= times) return Promise.resolve(found.slice(0, times));
  const what = o.what ?? `the log line ${String(message)}${times > 1 ? ` ${times} times` : ""}`;
  return new Promise((resolve, reject) => {
    const finish = (e?: Error): void => {
      clearTimeout(timer);
      offLine();
      offEnd();
      o.signal?.removeEventListener("abort", onAbort);
      if (e) reject(e);
      else resolve(found);
    };
    const offLine = stream.onLine((l) => {
      if (!hits(l)) return;
      found.push(l);
      if (found.length >= times) finish();
    });
    const offEnd = stream.onEnd((why) => finish(new LabError(`${what}: ${why} after ${found.length} of ${times}`)));
    const timer = setTimeout(
      () => finish(new LabError(`timed out after ${o.timeoutMs} ms waiting for ${what} (seen ${found.length} of ${times})`)),
      o.timeoutMs,
    );
    const onAbort = (): void => finish(o.signal?.reason instanceof Error ? o.signal.reason : new LabError(`waiting for ${what}: aborted`));
    if (o.signal?.aborted) onAbort();
    else o.signal?.addEventListener("abort", onAbort, { once: true });
  });
}
