import type { AgentHandle } from "../calls/agent-handle.js";
import type { CallOutcome, RtpSnapshot } from "../calls/outcome.js";
import { toneOf } from "../kinds/user-agent/index.js";
import type { AttachedLab } from "../lab/attached-lab.js";
import { OK, UsageError, type Command } from "./command.js";
import { formatDirection, liveDirection } from "./live-call-report.js";
import { agentArg, withUpLab } from "./live-lab.js";
import type { Output } from "./validate.js";

// `callpath hangup [<agent>]`: ends the calls in progress (that agent's, or every agent's) in the lab
// `callpath up` left, each from one side, and prints each call's numbers up to the BYE.

/** A call to hang up: its two ends as the lab's agents see it, and who hangs up. */
export interface CallToEnd {
  readonly callId: string;
  readonly caller: string;
  readonly callee: string;
  readonly by: string;
  /** When it was answered (the agent's clock), for its length. */
  readonly upSince: number | null;
}

/**
 * The calls in progress (not ended) among `calls` (each agent's outcomes), each once whichever ends of
 * it are agents here: hung up by `only` when given (its calls alone), else by its caller when that is an
 * agent here, else by whoever has it. A far end outside the lab is named by its SIP user.
 */
export function callsToEnd(calls: ReadonlyArray<readonly [agent: string, outcomes: readonly CallOutcome[]]>, only?: string): CallToEnd[] {
  const ends = new Map<string, Array<{ agent: string; outcome: CallOutcome }>>();
  for (const [agent, outcomes] of calls)
    for (const o of outcomes) if (o.endedAt === null) ends.set(o.callId, [...(ends.get(o.callId) ?? []), { agent, outcome: o }]);
  const user = (uri: string): string => /^sips?:([^@;>]+)/.exec(uri)?.[1] ?? uri;
  const out: CallToEnd[] = [];
  for (const [callId, sides] of ends) {
    if (only && !sides.some((s) => s.agent === only)) continue;
    const out0 = sides.find((s) => s.outcome.direction === "outgoing");
    const in0 = sides.find((s) => s.outcome.direction === "incoming");
    const any = sides[0]!;
    const caller = out0?.agent ?? user(in0!.outcome.remote);
    const callee = in0?.agent ?? user(out0!.outcome.remote);
    const o = (out0 ?? any).outcome;
    out.push({ callId, caller, callee, by: only ?? out0?.agent ?? any.agent, upSince: o.setupMs === null ? null : o.startedAt + o.setupMs });
  }
  return out;
}

export function hangupCommand(out: Output): Command {
  return {
    usage: "hangup [<agent>]",
    summary: "hang up the calls in progress in the lab 'up' started (that agent's, or every agent's)",
    help: [
      "Hangs up every call in progress in the lab `callpath up` started, or only those of the agent named, each",
      "once (by its caller, or by the agent named), and prints each call's RTP sent, received and lost each way",
      "up to the hang-up. An agent whose daemon is not running has no calls; none is started. Exit 0 (also",
      "when no call was in progress), 2 on an unknown agent or a node that is not one.",
    ].join("\n"),
    run: async (positionals) => {
      if (positionals.length > 1) throw new UsageError("name at most one agent");
      return withUpLab((lab) => runHangup(lab, positionals[0], out));
    },
  };
}

export async function runHangup(lab: AttachedLab, only: string | undefined, out: Output): Promise<number> {
  const names = only ? [agentArg(lab, only)] : lab.agentNames();
  // Both ends of each call, when they are agents here, for its numbers; the named agent's calls only.
  const running = new Map<string, AgentHandle>();
  for (const [name, agent] of await Promise.all(lab.agentNames().map(async (n) => [n, await lab.runningAgent(n)] as const)))
    if (agent) running.set(name, agent);
  const calls = await Promise.all([...running].map(async ([name, agent]) => [name, await agent.calls()] as const));
  const toEnd = callsToEnd(calls, only);
  for (const name of names) if (!running.has(name)) out.stdout(`${name}: its agent is not running (no calls)\n`);
  if (toEnd.length === 0) {
    out.stdout(only ? `${only} has no call in progress\n` : "no call in progress\n");
    return OK;
  }
  for (const c of toEnd) {
    const snap = async (n: string): Promise<RtpSnapshot | undefined> => (await running.get(n)?.media())?.find((m) => m.callId === c.callId)?.rtp;
    const [sa, sb] = await Promise.all([snap(c.caller), snap(c.callee)]);
    await running.get(c.by)!.hangup(c.callId);
    const upFor = c.upSince === null ? "before it was answered" : `after ${((Date.now() - c.upSince) / 1000).toFixed(1)} s`;
    out.stdout(`${c.caller} → ${c.callee}: hung up by ${c.by} ${upFor}\n`);
    if (sa || sb) {
      const tone = (n: string): number => toneOf(n, lab.topology);
      for (const d of [
        liveDirection(c.caller, c.callee, { senderAfter: sa, receiverAfter: sb }, 0, tone(c.caller), false),
        liveDirection(c.callee, c.caller, { senderAfter: sb, receiverAfter: sa }, 0, tone(c.callee), false),
      ])
        out.stdout(`${formatDirection(d)}\n`);
    }
  }
  return OK;
}
