import type { Readable, Writable } from "node:stream";
import type { ExecProcess } from "../kinds/kind.js";

/** One end of a line channel: the protocol needs nothing more from a transport. */
export interface LineTransport {
  send(line: string): void;
  onLine(listener: (line: string) => void): void;
  /** Called once, when the other end is gone (or the transport was closed); `why` says how. */
  onClose(listener: (why: string) => void): void;
  close(): void;
}

/** Splits a byte stream into lines, whatever the chunking. */
export class LineSplitter {
  private buffer = "";
  constructor(private readonly emit: (line: string) => void) {}

  push(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf("\n")) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line) this.emit(line);
    }
  }
}

/** Shared by every transport: listeners registered before or after lines/closing start to flow. */
class Listeners {
  private readonly lines: Array<(line: string) => void> = [];
  private readonly closes: Array<(why: string) => void> = [];
  private closedWhy: string | undefined;
  readonly splitter = new LineSplitter((l) => {
    for (const f of this.lines) f(l);
  });

  onLine(f: (line: string) => void): void {
    this.lines.push(f);
  }
  onClose(f: (why: string) => void): void {
    if (this.closedWhy !== undefined) f(this.closedWhy);
    else this.closes.push(f);
  }
  closed(why: string): void {
    if (this.closedWhy !== undefined) return;
    this.closedWhy = why;
    for (const f of this.closes.splice(0)) f(why);
  }
  get isClosed(): boolean {
    return this.closedWhy !== undefined;
  }
}

/** Newline-delimited JSON over a pair of streams: a program's stdin/stdout, a socket. */
export function streamTransport(input: Readable, output: Writable, end: () => void = () => output.end()): LineTransport {
  const l = new Listeners();
  input.setEncoding("utf8");
  input.on("data", (c: string) => l.splitter.push(c));
  input.on("end", () => l.closed("the other end closed the stream"));
  input.on("close", () => l.closed("the stream closed"));
  input.on("error", (e) => l.closed(`stream error: ${e.message}`));
  output.on("error", (e) => l.closed(`stream error: ${e.message}`));
  return {
    send: (line) => {
      if (!l.isClosed) output.write(line);
    },
    onLine: (f) => l.onLine(f),
    onClose: (f) => l.onClose(f),
    close: () => {
      end();
      l.closed("closed here");
    },
  };
}

/** The stdio of a `docker exec` process. Its stderr is not the channel: `onStderr` keeps it for reports. */
export function execTransport(proc: ExecProcess): LineTransport {
  const l = new Listeners();
  proc.onStdout((c) => l.splitter.push(c));
  void proc.exited.then((code) => l.closed(`the process exited (code ${code})`));
  return {
    send: (line) => {
      if (!l.isClosed) proc.write(line);
    },
    onLine: (f) => l.onLine(f),
    onClose: (f) => l.onClose(f),
    close: () => {
      proc.close();
      l.closed("closed here");
    },
  };
}
