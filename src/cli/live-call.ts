import type { AgentHandle } from "../calls/agent-handle.js";
import type { RtpSnapshot } from "../calls/outcome.js";
import { LabError } from "../common/errors.js";
import { toneOf, userOf } from "../kinds/user-agent/index.js";
import type { AttachedLab } from "../lab/attached-lab.js";
import { FAILED, UsageError, type Command } from "./command.js";
import { agentArg, withUpLab } from "./live-lab.js";
import { callExitCode, formatCallReport, formatOutcome, liveDirection, parseForSeconds, type CallReport, type LiveDirection } from "./live-call-report.js";
import type { Output } from "./validate.js";

// `callpath call <a> <b> [--for <s>]`: a calls b through the lab `callpath up` left, as a scenario's
// "When a calls b" does; the outcome, then the audio each way over a few seconds. Without --for the
// call stays up in the agents' daemons after this command exits, until `callpath hangup`.

/** How long the audio is watched when no --for is given: "after a few seconds". */
export const MEDIA_WINDOW_MS = 3000;

export interface CallArgs {
  readonly caller: string;
  readonly callee: string;
  readonly forSeconds: number | undefined;
  readonly json: boolean;
}

export function parseCallArgs(positionals: readonly string[], values: Record<string, unknown>): CallArgs {
  if (positionals.length !== 2) throw new UsageError(positionals.length < 2 ? "name the caller and the callee (two user agents)" : "name two agents");
  const [caller, callee] = positionals as [string, string];
  if (caller === callee) throw new UsageError(`${caller} cannot call itself; name two agents`);
  const forSeconds = parseForSeconds(values.for);
  if (typeof forSeconds === "string") throw new UsageError(forSeconds);
  return { caller, callee, forSeconds, json: values.json === true };
}

export function callCommand(out: Output): Command {
  return {
    usage: "call <a> <b> [--for <seconds>] [--json]",
    summary: "agent a calls agent b in the lab 'up' started; prints the outcome and the audio each way",
    help: [
      "Agent a calls agent b in the lab `callpath up` started (registering both first when they are not), and",
      "prints the outcome as the scenarios see it: established, or the stage it failed at, with the final status",
      `and the set-up time. Once the call is up it watches the audio for ${MEDIA_WINDOW_MS / 1000} s: RTP sent, received and lost`,
      "each way, and the tone heard, judged as `audio flows both ways` judges it. The call stays up after this",
      "command, in the agents, until `callpath hangup`. With --for <s> the audio is watched for s seconds, then",
      "the call is hung up and the whole call's numbers printed. --json prints the report as JSON.",
      "An agent whose daemon is not running is started again first. Exit 0 when the call came up and audio",
      "flowed both ways; 1 when it failed or audio did not flow; 2 on a usage error (an unknown agent, say).",
    ].join("\n"),
    options: { for: { type: "string" }, json: { type: "boolean" } },
    run: async (positionals, values) => {
      const args = parseCallArgs(positionals, values);
      return withUpLab((lab) => runCall(lab, args, out));
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function snapshot(agent: AgentHandle, callId: string): Promise<RtpSnapshot | undefined> {
  return (await agent.media()).find((m) => m.callId === callId)?.rtp;
}

/** Registers `agent` unless it is; a registration that fails fails the command. */
async function registered(agent: AgentHandle, name: string): Promise<void> {
  if ((await agent.registration()) === "Registered") return;
  const r = await agent.register();
  if (!r.registered) throw new LabError(`${name} did not register: ${r.failedStage} (${r.status ?? "no response"}${r.reason ? ` ${r.reason}` : ""})`);
}

export async function runCall(lab: AttachedLab, args: CallArgs, out: Output): Promise<number> {
  const { caller, callee } = args;
  agentArg(lab, caller);
  agentArg(lab, callee);
  const [a, b] = await Promise.all([lab.agent(caller), lab.agent(callee)]);
  for (const [name, r] of [[caller, a] as const, [callee, b] as const])
    if (r.started) out.stderr(`callpath call: ${name}'s agent was not running; started it again (it registers anew)\n`);
  try {
    await Promise.all([registered(a.agent, caller), registered(b.agent, callee)]);
  } catch (e) {
    out.stderr(`callpath call: ${(e as Error).message}\n`);
    return FAILED;
  }
  const outcome = await a.agent.call(userOf(callee, lab.topology));
  if (!args.json) out.stdout(`${formatOutcome(caller, callee, outcome)}\n`);
  let report: CallReport = { lab: lab.id, caller, callee, outcome, media: null, hungUp: false, final: null };
  if (outcome.established) {
    const windowMs = args.forSeconds !== undefined ? args.forSeconds * 1000 : MEDIA_WINDOW_MS;
    const [a0, b0] = await Promise.all([snapshot(a.agent, outcome.callId), snapshot(b.agent, outcome.callId)]);
    await sleep(windowMs);
    const [a1, b1] = await Promise.all([snapshot(a.agent, outcome.callId), snapshot(b.agent, outcome.callId)]);
    const tone = (n: string): number => toneOf(n, lab.topology);
    // Each way from the snapshots at `before` (none: the call's start) to the last ones.
    const directions = (before: readonly [RtpSnapshot?, RtpSnapshot?], judge: boolean): LiveDirection[] => [
      liveDirection(caller, callee, { senderBefore: before[0], senderAfter: a1, receiverBefore: before[1], receiverAfter: b1 }, windowMs, tone(caller), judge),
      liveDirection(callee, caller, { senderBefore: before[1], senderAfter: b1, receiverBefore: before[0], receiverAfter: a1 }, windowMs, tone(callee), judge),
    ];
    report = { ...report, media: { windowMs, directions: directions([a0, b0], true) } };
    if (args.forSeconds !== undefined) {
      // The last snapshots were taken just before the BYE: the whole call's numbers.
      await a.agent.hangup(outcome.callId);
      const durationMs = Date.now() - outcome.startedAt - (outcome.setupMs ?? 0);
      report = { ...report, hungUp: true, final: { durationMs, directions: directions([undefined, undefined], false) } };
    }
    // The caller's outcome again: media checks (an RTP timeout, ICE) may have failed the call meanwhile.
    const now = (await a.agent.calls()).find((c) => c.callId === outcome.callId);
    if (now) report = { ...report, outcome: now };
  }
  if (args.json) out.stdout(`${JSON.stringify(report, null, 2)}\n`);
  // The outcome line went out when the call settled; again only if the media checks changed it since.
  else out.stdout(formatCallReport(report, report.outcome.failedStage !== outcome.failedStage));
  return callExitCode(report);
}
