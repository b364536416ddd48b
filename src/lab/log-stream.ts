import { PassThrough, type Readable } from "node:stream";
import { LineSplitter } from "../protocol/lines.js";

// A container's log followed as a stream from a point in time (dockerode `logs({follow: true, since})`),
// so readers see each line once as it comes, instead of refetching the whole log on every poll. For
// programs that are not ours (Kamailio, coturn): ours speak the control protocol.

export interface LogLine {
  readonly text: string;
  readonly stream: "stdout" | "stderr";
  /** When this process received it, ms since the epoch. */
  readonly at: number;
}

type Demux = (source: Readable, stdout: PassThrough, stderr: PassThrough) => void;

export class LogStream {
  private readonly kept: LogLine[] = [];
  /** Lines received so far, including those the limit dropped: marks are counts. */
  private count = 0;
  private readonly listeners = new Set<(l: LogLine) => void>();
  private endedWhy: string | undefined;
  private readonly endListeners = new Set<(why: string) => void>();

  constructor(
    private readonly source: Readable,
    demux: Demux,
    private readonly limit = 50_000,
  ) {
    const out = new PassThrough();
    const err = new PassThrough();
    const pipe = (p: PassThrough, stream: LogLine["stream"]): void => {
      const split = new LineSplitter((text) => this.push({ text, stream, at: Date.now() }));
      p.setEncoding("utf8");
      p.on("data", (c: string) => split.push(c));
    };
    pipe(out, "stdout");
    pipe(err, "stderr");
    demux(source, out, err);
    source.on("end", () => this.end("the log ended (the container stopped)"));
    source.on("close", () => this.end("the log stream closed"));
    source.on("error", (e) => this.end(`log stream error: ${e.message}`));
  }

  /** A point in the stream, for `since`. */
  mark(): number {
    return this.count;
  }

  /** Lines kept since `since` (a mark). */
  lines(since = 0): LogLine[] {
    const first = this.count - this.kept.length;
    return this.kept.slice(Math.max(0, since - first));
  }

  text(since = 0): string {
    return this.lines(since)
      .map((l) => `${l.text}\n`)
      .join("");
  }

  onLine(listener: (l: LogLine) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onEnd(listener: (why: string) => void): () => void {
    if (this.endedWhy !== undefined) listener(this.endedWhy);
    else this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  close(): void {
    this.source.destroy();
    this.end("closed here");
  }

  private push(l: LogLine): void {
    this.count++;
    this.kept.push(l);
    if (this.kept.length > this.limit) this.kept.shift();
    for (const f of [...this.listeners]) f(l);
  }

  private end(why: string): void {
    if (this.endedWhy !== undefined) return;
    this.endedWhy = why;
    for (const f of [...this.endListeners]) f(why);
    this.endListeners.clear();
  }
}

/** Follows a container's log from `sinceSec` (unix seconds; 0: from its start), demultiplexed. */
export async function followContainerLogs(d: import("dockerode"), containerId: string, sinceSec = 0): Promise<LogStream> {
  const source = (await d.getContainer(containerId).logs({ follow: true, stdout: true, stderr: true, since: sinceSec })) as unknown as Readable;
  return new LogStream(source, (s, out, err) => d.modem.demuxStream(s, out, err));
}
