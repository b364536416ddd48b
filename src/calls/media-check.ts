import { lossBetween } from "../agent/rtp-receiver-stats.js";
import type { RtpSnapshot } from "./outcome.js";

export const PTIME_MS = 20;

/** What one direction of audio did during a measured window. */
export interface DirectionReport {
  readonly from: string;
  readonly to: string;
  readonly windowMs: number;
  /** Packets the receiver got in the window, and how many a 20 ms stream should have brought. */
  readonly received: number;
  readonly nominal: number;
  /** RFC 3550 loss inside the window (by sequence numbers). */
  readonly lossRatio: number;
  readonly jitterMs: number;
  readonly dominantHz: number | null;
  readonly expectedHz: number;
  /** Empty when audio flowed as expected; otherwise each problem in words. */
  readonly problems: string[];
}

export interface MediaLimits {
  readonly maxLossRatio: number;
  /** Share of the nominal packet count that must arrive at least. */
  readonly minDelivery: number;
  /** Tolerance of the detected tone, Hz. */
  readonly toneToleranceHz: number;
}

export const DEFAULT_LIMITS: MediaLimits = { maxLossRatio: 0.01, minDelivery: 0.9, toneToleranceHz: 5 };

/** Judges one direction from the receiver's snapshots at the window's start and end. */
export function assessDirection(
  from: string,
  to: string,
  before: RtpSnapshot | undefined,
  after: RtpSnapshot,
  windowMs: number,
  expectedHz: number,
  limits: MediaLimits = DEFAULT_LIMITS,
): DirectionReport {
  const empty = { packets: 0, highestSeq: null, firstSeq: null, jitterMs: 0, firstAtMs: null, lastAtMs: null, source: null };
  const loss = lossBetween(before?.received ?? empty, after.received);
  const nominal = Math.floor(windowMs / PTIME_MS);
  const problems: string[] = [];
  if (loss.received === 0) problems.push(`no RTP from ${from} reached ${to}`);
  else {
    if (loss.received < nominal * limits.minDelivery) problems.push(`only ${loss.received} of ~${nominal} packets arrived`);
    if (loss.ratio > limits.maxLossRatio) problems.push(`loss ${(loss.ratio * 100).toFixed(2)}% > ${(limits.maxLossRatio * 100).toFixed(2)}%`);
    const hz = after.signal.dominantHz;
    if (hz === null || Math.abs(hz - expectedHz) > limits.toneToleranceHz) {
      problems.push(`expected ${from}'s ${expectedHz} Hz tone, heard ${hz === null ? "silence" : `${hz} Hz`}`);
    }
  }
  return {
    from,
    to,
    windowMs,
    received: loss.received,
    nominal,
    lossRatio: loss.ratio,
    jitterMs: after.received.jitterMs,
    dominantHz: after.signal.dominantHz,
    expectedHz,
    problems,
  };
}

/**
 * The window as the receiving agent saw it, between its own two snapshots. Under load the control round
 * trips stretch (seconds, at times), and a window timed here would expect packets that were never due.
 */
export function receiverWindowMs(before: RtpSnapshot | undefined, after: RtpSnapshot, fallbackMs: number): number {
  return before?.atMs !== undefined && after.atMs !== undefined ? after.atMs - before.atMs : fallbackMs;
}

export function formatDirection(r: DirectionReport): string {
  return `${r.from} → ${r.to}: ${r.received}/${r.nominal} packets, loss ${(r.lossRatio * 100).toFixed(2)}%, jitter ${r.jitterMs.toFixed(2)} ms, tone ${r.dominantHz ?? "none"} Hz (expected ${r.expectedHz})${r.problems.length ? ` — ${r.problems.join("; ")}` : ""}`;
}
