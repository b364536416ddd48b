import { open, stat } from "node:fs/promises";

// What `callpath inspect` checks of a file before anything starts: that it exists, is a file, is not
// empty, is not larger than it reads, and starts the way a pcap or pcapng file does. Each problem is one
// sentence naming what is wrong; the command puts the file's name in front.

/** Largest capture inspect reads: tshark's dissection of it is held in memory. Cut longer ones to the call. */
export const MAX_CAPTURE_BYTES = 100 * 1024 * 1024;
/** More packets than this (capinfos' count) is more than one call's worth to dissect. */
export const MAX_PACKETS = 1_000_000;
/** tshark's dissection of the frames of interest, compacted: the part held in memory. */
export const MAX_DISSECTION_BYTES = 400 * 1024 * 1024;

export type CaptureFormat = "pcap" | "pcap-ns" | "pcapng" | "gzip";

export class CaptureFileError extends Error {
  override name = "CaptureFileError";
}

const MAGIC: ReadonlyArray<readonly [string, CaptureFormat]> = [
  ["a1b2c3d4", "pcap"],
  ["d4c3b2a1", "pcap"],
  ["a1b23c4d", "pcap-ns"],
  ["4d3cb2a1", "pcap-ns"],
  ["0a0d0d0a", "pcapng"],
];

/** The smallest whole file of each format: pcap's 24-byte header; pcapng's Section Header Block (28 bytes). */
const MIN_BYTES: Record<CaptureFormat, number> = { pcap: 24, "pcap-ns": 24, pcapng: 28, gzip: 18 };

export function mib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} kB` : `${bytes} bytes`;
}

/** The format a file's first bytes say, or the reason it is none. */
export function captureFormat(bytes: Buffer, size: number): CaptureFormat {
  const head = bytes.subarray(0, Math.min(bytes.length, size));
  const hex = head.subarray(0, 4).toString("hex");
  const format: CaptureFormat | undefined = head[0] === 0x1f && head[1] === 0x8b ? "gzip" : MAGIC.find(([m]) => m === hex)?.[1];
  if (!format) {
    const shown = [...head.subarray(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
    const text = head.subarray(0, 8).every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b < 0x7f));
    throw new CaptureFileError(
      `not a capture: a pcap file starts with a1b2c3d4 or d4c3b2a1 and a pcapng file with 0a0d0d0a, this one with ${shown}${text ? " (text)" : ""}`,
    );
  }
  if (size < MIN_BYTES[format]) throw new CaptureFileError(`too short to be a ${format} capture (${size} bytes; its header alone is ${MIN_BYTES[format]})`);
  return format;
}

export interface CaptureFile {
  readonly path: string;
  readonly size: number;
  readonly format: CaptureFormat;
}

/** Checks a file the way inspect needs it; throws CaptureFileError with what is wrong. */
export async function checkCaptureFile(path: string, maxBytes: number = MAX_CAPTURE_BYTES): Promise<CaptureFile> {
  const s = await stat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") throw new CaptureFileError("no such file");
    if (e.code === "EACCES") throw new CaptureFileError("cannot be read (permission denied)");
    if (e.code === "ENOTDIR") throw new CaptureFileError("no such file (a part of the path is not a folder)");
    throw new CaptureFileError(`cannot be read (${e.code ?? e.message})`);
  });
  if (s.isDirectory()) throw new CaptureFileError("is a folder, not a capture file");
  if (!s.isFile()) throw new CaptureFileError("is not a regular file (a device, socket or pipe?): inspect reads a saved capture");
  if (s.size === 0) throw new CaptureFileError("is empty (0 bytes): not a capture");
  if (s.size > maxBytes)
    throw new CaptureFileError(
      `is ${mib(s.size)}; inspect reads captures up to ${mib(maxBytes)}: cut it to the call first (editcap -A/-B by time, or tshark -r <file> -Y "sip || rtp || stun || icmp" -w <smaller.pcapng>)`,
    );
  const head = Buffer.alloc(8);
  const handle = await open(path, "r").catch((e: NodeJS.ErrnoException) => {
    throw new CaptureFileError(`cannot be read (${e.code === "EACCES" ? "permission denied" : (e.code ?? e.message)})`);
  });
  try {
    const { bytesRead } = await handle.read(head, 0, 8, 0);
    return { path, size: s.size, format: captureFormat(head.subarray(0, bytesRead), s.size) };
  } finally {
    await handle.close();
  }
}

/** capinfos `-T -r -c` (a tab, then the packet count) and its stderr, as inspect reads them. */
export function readCapinfos(stdout: string, stderr: string, exitCode: number): { packets: number; warning: string | null } {
  const n = Number(stdout.trim().split("\t").at(-1));
  const said = stderr
    .split("\n")
    .map((l) => l.replace(/^capinfos: /, "").trim())
    .filter((l) => l && !/will continue anyway/.test(l));
  const cutShort = said.some((l) => /cut short/.test(l));
  // 126/127/137: capinfos itself did not run or was killed (the container going away): nothing about the file.
  if (exitCode >= 126 && said.length === 0) throw new Error(`capinfos did not run in the analyzer (exit ${exitCode})`);
  if (!Number.isFinite(n) || (exitCode !== 0 && !cutShort)) {
    const why = said.find((l) => /isn't a capture file|unknown|damaged|corrupt|not supported|format/i.test(l)) ?? said[0] ?? `capinfos exited ${exitCode}`;
    throw new CaptureFileError(`not a readable capture: ${why.replace(/The file "[^"]*"/, "the file")}`);
  }
  return { packets: n, warning: cutShort ? `the capture was cut short in the middle of a packet: the ${n} packets before it are read` : null };
}
