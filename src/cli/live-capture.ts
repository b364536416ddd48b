import { mkdir, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { closeSharedAnalyzer, sharedAnalyzer } from "../capture/analyzer.js";
import { captureEvidence, type CaptureEvidence } from "../capture/evidence.js";
import { buildCallTimeline, callsWithMedia, type AgentsReport } from "../capture/timeline.js";
import { timelineSvg } from "../capture/timeline-svg.js";
import { LabError } from "../common/errors.js";
import { stderrLogger } from "../common/log.js";
import type { AttachedLab } from "../lab/attached-lab.js";
import { docker } from "../lab/docker-engine.js";
import { ensureImages, PROJECT_ROOT } from "../lab/images.js";
import { OK, UsageError, type Command } from "./command.js";
import { withUpLab } from "./live-lab.js";
import { liveReportHtml, type ReportCall } from "./live-report-html.js";
import type { Output } from "./validate.js";

// `callpath capture` and `callpath report`: the packets of the lab `callpath up` left, so far, as one
// pcapng, and a page with the ladder and each call's timeline. The captures keep running (until `down`).

const LIVE_DIR = join(PROJECT_ROOT, "reports", "live");

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, "-").replace(/Z$/, "");
}

/** The lab's captures merged, dissected and drawn, through this process's analyzer (removed afterwards). */
async function evidenceOf(lab: AttachedLab, title: string): Promise<CaptureEvidence> {
  const capture = await lab.capture();
  if (!capture)
    throw new LabError(`lab ${lab.id} captures nothing: it was started with CALLPATH_CAPTURE=off (start it again with capture on: callpath down, callpath up)`);
  const images = await ensureImages(docker(), stderrLogger());
  const analyzer = await sharedAnalyzer(docker(), images.analyzer);
  try {
    return await captureEvidence(lab, capture, analyzer, { final: false, title });
  } finally {
    await closeSharedAnalyzer();
  }
}

function outPath(given: unknown, fallback: string): string {
  if (given !== undefined && (typeof given !== "string" || given.trim() === "")) throw new UsageError("--out needs a path");
  return resolve(typeof given === "string" ? given : fallback);
}

export function captureCommand(out: Output): Command {
  return {
    usage: "capture [--out <file.pcapng>]",
    summary: "write the packets of the lab 'up' started, so far, as one pcapng (interfaces named node:network)",
    help: [
      "Copies every node's capture of the lab `callpath up` started (they run from its start until `down`, in a ring",
      "per interface) and merges them into one pcapng whose interfaces are named node:network, with the agents' TLS",
      `keys inside. Default file: ${relative(process.cwd(), LIVE_DIR) || "."}/<lab>-<time>.pcapng. Open it in Wireshark.`,
    ].join("\n"),
    options: { out: { type: "string" } },
    run: async (positionals, values) => {
      if (positionals.length > 0) throw new UsageError("capture takes no arguments (--out names the file)");
      return withUpLab(async (lab) => {
        const file = outPath(values.out, join(LIVE_DIR, `${lab.id}-${stamp()}.pcapng`));
        const e = await evidenceOf(lab, "capture so far");
        await mkdir(resolve(file, ".."), { recursive: true });
        await writeFile(file, e.pcapng);
        out.stdout(`${file}\n${e.summary}\n`);
        return OK;
      });
    },
  };
}

export function reportCommand(out: Output): Command {
  return {
    usage: "report [--out <folder>]",
    summary: "an HTML page of the lab 'up' started: the calls placed, the SIP ladder, each call's timeline, the pcapng",
    help: [
      "Makes a page from the lab's captures so far and its agents' calls: a table of the calls placed (outcome,",
      "set-up time, who ended them), the SIP ladder drawn from the packets (each router's rewrites at the router),",
      "each call's media and ICE timeline (RTP per second each way, loss, jitter, where audio stopped),",
      `and the merged pcapng beside it. Default folder: ${relative(process.cwd(), LIVE_DIR) || "."}/<lab>-<time>/ (index.html).`,
    ].join("\n"),
    options: { out: { type: "string" } },
    run: async (positionals, values) => {
      if (positionals.length > 0) throw new UsageError("report takes no arguments (--out names the folder)");
      return withUpLab(async (lab) => {
        const dir = outPath(values.out, join(LIVE_DIR, `${lab.id}-${stamp()}`));
        const calls = await placedCalls(lab);
        const agents = await agentsReport(lab);
        const e = await evidenceOf(lab, `${calls.length} call(s)`);
        // Each call over time, as a failed scenario's report draws it: the agents' reports and the capture.
        const timelines = new Map(
          callsWithMedia(agents).map(
            (c) => [c.callId, timelineSvg(buildCallTimeline(c, e.packets, e.ladder.columns), `${lab.topology.name} — lab ${lab.id}`)] as const,
          ),
        );
        await mkdir(dir, { recursive: true });
        const pcapFile = "capture.pcapng";
        await writeFile(join(dir, pcapFile), e.pcapng);
        await writeFile(join(dir, "ladder.svg"), e.svg);
        await writeFile(join(dir, "ladder.json"), JSON.stringify(e.ladder));
        const html = liveReportHtml({
          labId: lab.id,
          topology: lab.topology.name,
          generatedAt: new Date().toISOString(),
          calls,
          ladderSvg: e.svg,
          timelines,
          summary: e.summary,
          pcapFile,
        });
        await writeFile(join(dir, "index.html"), html);
        out.stdout(`${join(dir, "index.html")}\n${calls.length} call(s); ${e.summary}\n`);
        return OK;
      });
    },
  };
}

/** Each running agent's calls and ICE reports (what the timelines are drawn from). */
async function agentsReport(lab: AttachedLab): Promise<AgentsReport> {
  const out: Record<string, AgentsReport[string]> = {};
  for (const name of lab.agentNames()) {
    const agent = await lab.runningAgent(name);
    if (agent) out[name] = { calls: await agent.calls(), ice: await agent.ice() };
  }
  return out;
}

/** The calls the lab's running agents placed (their outgoing calls), oldest first. */
async function placedCalls(lab: AttachedLab): Promise<ReportCall[]> {
  const all = await Promise.all(
    lab.agentNames().map(async (name) => {
      const agent = await lab.runningAgent(name);
      return agent ? (await agent.calls()).filter((c) => c.direction === "outgoing").map((outcome) => ({ agent: name, outcome })) : [];
    }),
  );
  return all.flat().sort((a, b) => a.outcome.startedAt - b.outcome.startedAt);
}
