import { lossBetween } from "../agent/rtp-receiver-stats.js";
import { assessDirection, receiverWindowMs } from "../calls/media-check.js";
import type { CallOutcome, RtpSnapshot } from "../calls/outcome.js";
import { FAILED, OK } from "./command.js";

// What `callpath call` and `callpath hangup` print: the call's outcome as the scenarios see it, and its
// media each way (RTP sent, received, lost), judged over a window as "audio flows both ways" judges it.
// Pure: the commands take the snapshots, these functions read them.

/** One direction of a call's audio over a window (or over the whole call, unjudged). */
export interface LiveDirection {
  readonly from: string;
  readonly to: string;
  /** RTP packets the sender sent in the window. */
  readonly sent: number;
  /** Packets the receiver got in the window, and how many never came by their sequence numbers (RFC 3550). */
  readonly received: number;
  readonly lost: number;
  readonly lossRatio: number;
  readonly jitterMs: number;
  /** The tone the receiver heard last, and the sender's own. */
  readonly heardHz: number | null;
  readonly expectedHz: number;
  /** As the scenarios' media check judges the window (empty: audio flowed); absent for whole-call totals. */
  readonly problems?: readonly string[];
}

/** The snapshots of one direction: the sender's and the receiver's, at the window's start (absent: the call's start) and end. */
export interface DirectionSnapshots {
  readonly senderBefore?: RtpSnapshot;
  readonly senderAfter?: RtpSnapshot;
  readonly receiverBefore?: RtpSnapshot;
  readonly receiverAfter?: RtpSnapshot;
}

/** One direction from its snapshots; `judge` applies the scenarios' limits over `windowMs`. */
export function liveDirection(from: string, to: string, s: DirectionSnapshots, windowMs: number, expectedHz: number, judge: boolean): LiveDirection {
  const sent = (s.senderAfter?.sent ?? 0) - (s.senderBefore?.sent ?? 0);
  if (!s.receiverAfter) {
    return {
      from,
      to,
      sent,
      received: 0,
      lost: 0,
      lossRatio: 0,
      jitterMs: 0,
      heardHz: null,
      expectedHz,
      ...(judge ? { problems: [`${to} has no media session for the call`] } : {}),
    };
  }
  const loss = lossBetween(s.receiverBefore?.received ?? EMPTY, s.receiverAfter.received);
  const judged = judge
    ? assessDirection(from, to, s.receiverBefore, s.receiverAfter, receiverWindowMs(s.receiverBefore, s.receiverAfter, windowMs), expectedHz).problems
    : undefined;
  return {
    from,
    to,
    sent,
    received: loss.received,
    lost: loss.lost,
    lossRatio: loss.ratio,
    jitterMs: s.receiverAfter.received.jitterMs,
    heardHz: s.receiverAfter.signal.dominantHz,
    expectedHz,
    ...(judged ? { problems: judged } : {}),
  };
}

const EMPTY = { packets: 0, highestSeq: null, firstSeq: null, jitterMs: 0, firstAtMs: null, lastAtMs: null, source: null };

/** "alice → bob: established in 84 ms (200)", or how and where it failed. */
export function formatOutcome(caller: string, callee: string, o: CallOutcome): string {
  const status = o.finalStatus === null ? "no final response" : `${o.finalStatus}${o.reason && !o.established ? ` ${o.reason}` : ""}`;
  if (o.established) {
    const after = o.failedStage ? `; then ${o.failedStage}${o.reason ? `: ${o.reason}` : ""}` : "";
    return `${caller} → ${callee}: established in ${o.setupMs ?? "?"} ms (final status ${status})${after}`;
  }
  const took = o.endedAt !== null ? ` after ${o.endedAt - o.startedAt} ms` : "";
  const why = o.finalStatus === null && o.reason ? `: ${o.reason}` : "";
  return `${caller} → ${callee}: failed at ${o.failedStage ?? "?"} (final status ${status})${why}${took}`;
}

const pad = (s: string | number, n: number): string => String(s).padStart(n);

/** "  alice → bob     sent 150  received 150  lost 0 (0.00 %)  jitter 0.41 ms  tone 400 Hz (sent 400)", then any problem. */
export function formatDirection(d: LiveDirection): string {
  const tone = `tone ${d.heardHz ?? "none"}${d.heardHz === null ? "" : " Hz"} (sent ${d.expectedHz} Hz)`;
  const line = `  ${`${d.from} → ${d.to}`.padEnd(18)} sent ${pad(d.sent, 5)}  received ${pad(d.received, 5)}  lost ${pad(d.lost, 4)} (${(d.lossRatio * 100).toFixed(2)} %)  jitter ${d.jitterMs.toFixed(2)} ms  ${tone}`;
  return d.problems?.length ? `${line}\n    — ${d.problems.join("; ")}` : line;
}

/** Everything `call` reports; `--json` prints it as it is. */
export interface CallReport {
  readonly lab: string;
  readonly caller: string;
  readonly callee: string;
  readonly outcome: CallOutcome;
  /** The window after the call came up, judged; null when it never did. */
  readonly media: { readonly windowMs: number; readonly directions: readonly LiveDirection[] } | null;
  /** With --for: hung up by the caller at the window's end, and the whole call's totals. */
  readonly hungUp: boolean;
  readonly final: { readonly durationMs: number; readonly directions: readonly LiveDirection[] } | null;
}

/** 0 when the call came up and audio flowed both ways in the window; 1 otherwise (the report says why). */
export function callExitCode(r: CallReport): number {
  if (!r.outcome.established || r.outcome.failedStage) return FAILED;
  return r.media?.directions.every((d) => (d.problems ?? []).length === 0) ? OK : FAILED;
}

/** The report as text, for people; `withOutcome: false` leaves out the outcome's line (printed already). */
export function formatCallReport(r: CallReport, withOutcome = true): string {
  const lines = withOutcome ? [formatOutcome(r.caller, r.callee, r.outcome)] : [];
  if (r.media) {
    const ok = r.media.directions.every((d) => (d.problems ?? []).length === 0);
    lines.push(`media over ${(r.media.windowMs / 1000).toFixed(1)} s: ${ok ? "audio both ways" : "audio did not flow both ways"}`);
    lines.push(...r.media.directions.map(formatDirection));
  }
  if (r.final) {
    lines.push(`hung up after ${(r.final.durationMs / 1000).toFixed(1)} s; the whole call:`);
    lines.push(...r.final.directions.map(formatDirection));
  } else if (r.outcome.established && !r.hungUp) lines.push("the call stays up: `callpath hangup` ends it");
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}

/** --for as seconds: a positive number, at most an hour; undefined when not given. */
export function parseForSeconds(value: unknown): number | undefined | string {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== "string" || value.trim() === "" || !Number.isFinite(n) || n <= 0 || n > 3600)
    return `--for ${JSON.stringify(value)}: give the call's length in seconds (more than 0, at most 3600)`;
  return n;
}
