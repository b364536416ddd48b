import { userAgent } from "../../src/kinds/user-agent/index.js";
import { After, AfterAll, Before, BeforeAll, setDefaultTimeout, Status } from "@cucumber/cucumber";
import type { SipTraceEntry } from "../../src/calls/outcome.js";
import { formatIceReport } from "../../src/calls/ice-report.js";
import { sipLadder, sipMessages } from "../../src/calls/sip-ladder.js";
import { stderrLogger } from "../../src/common/log.js";
import { activeLabs } from "../../src/lab/active-labs.js";
import { ensureDockerEngine } from "../../src/lab/docker-engine.js";
import { ensureImages } from "../../src/lab/images.js";
import { sweepLabs } from "../../src/lab/sweep.js";
import { runState, type LabWorld } from "./world.js";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { closeSharedAnalyzer, sharedAnalyzer } from "../../src/capture/analyzer.js";
import { captureSettings } from "../../src/capture/capture-settings.js";
import { captureEvidence } from "../../src/capture/evidence.js";
import { buildCallTimeline, callsWithMedia, type AgentsReport } from "../../src/capture/timeline.js";
import { timelineSvg } from "../../src/capture/timeline-svg.js";
import { docker } from "../../src/lab/docker-engine.js";
import { PROJECT_ROOT } from "../../src/lab/images.js";

const CAPTURES_DIR = join(PROJECT_ROOT, "reports", "captures");

setDefaultTimeout(60_000);

BeforeAll({ timeout: 900_000 }, async () => {
  const log = stderrLogger();
  const d = await ensureDockerEngine(log);
  // Leftovers of crashed runs go first; labs of other live processes are left alone.
  const swept = await sweepLabs(d, { onlyOrphans: true });
  if (swept.containers.length + swept.networks.length > 0) {
    log(`swept ${swept.containers.length} container(s) and ${swept.networks.length} network(s) left by earlier runs`);
  }
  runState.images = await ensureImages(d, log);
});

Before(function (this: LabWorld) {
  this.calls.length = 0;
  this.probes.clear();
  this.strayCallId = undefined;
  this.oneWay = undefined;
  this.quality.clear();
});

After({ timeout: 120_000 }, async function (this: LabWorld, { result, pickle }) {
  const problems: string[] = [];
  if (this.hasLab) {
    const failed = result?.status !== Status.PASSED;
    const wanted = failed || pickle.tags.some((t) => t.name === "@evidence");
    if (wanted) await attachEvidence(this);
    // @capture: keep this scenario's capture and ladder even when it passes (the ALG ladders are checked).
    const keepCapture = wanted || pickle.tags.some((t) => t.name === "@capture") || captureSettings().mode === "all";
    if (this.lab.capture && keepCapture) await attachCapture(this, pickle.name);
    await attachIce(this);
    await attachKindEvidence(this);
    await attachImpairments(this);
    // verify-or-fail: a call that failed when no step looked at it must not pass silently, nor one whose
    // media failed after set-up (ICE), which only the agent's latest outcome shows.
    for (const c of this.calls) {
      if (c.observed) continue;
      const latest = await this.lab
        .agent(c.caller)
        .calls()
        .then((all) => all.find((x) => x.callId === c.outcome.callId))
        .catch(() => undefined);
      if (latest) c.outcome = latest;
      if (!c.outcome.established || c.outcome.failedStage) {
        problems.push(
          `the call ${c.caller} → ${c.callee} failed (${c.outcome.failedStage}: ${c.outcome.finalStatus ?? "no response"} ${c.outcome.reason ?? ""}) and no step expected that`,
        );
      }
    }
  }
  try {
    await this.stopLab();
  } catch (e) {
    problems.push(`teardown: ${(e as Error).message}`);
  }
  if (problems.length > 0) throw new Error(problems.join("\n"));
});

AfterAll(async () => {
  await closeSharedAnalyzer().catch((e: Error) => stderrLogger()(`analyzer: ${e.message}`));
  // Only labs kept by a crashed step can remain here; they must not outlive the run.
  for (const e of await activeLabs.unwindAll()) stderrLogger()(`teardown: ${e.message}`);
});

async function attachEvidence(world: LabWorld): Promise<void> {
  const lab = world.lab;
  const traces: Record<string, SipTraceEntry[]> = {};
  for (const name of lab.nodeNames()) {
    try {
      if (lab.nodesOf(userAgent).includes(name)) {
        const agent = lab.agent(name);
        traces[name] = await agent.trace();
        await world.attach(JSON.stringify({ calls: await agent.calls(), media: await agent.media() }, null, 2), {
          mediaType: "application/json",
          fileName: `${name}-outcomes.json`,
        });
        await world.attach(sipMessages(traces[name]!) || "(no SIP messages)", { mediaType: "text/plain", fileName: `${name}-sip.txt` });
        const stderr = agent.stderr();
        if (stderr) await world.attach(stderr, { mediaType: "text/plain", fileName: `${name}-stderr.txt` });
      }
      await world.attach(await lab.node(name).logs(), { mediaType: "text/plain", fileName: `${name}-container.log` });
    } catch (e) {
      await world.attach(`could not collect evidence from ${name}: ${(e as Error).message}`, { mediaType: "text/plain" });
    }
  }
  await world.attach(sipLadder(traces) || "(no SIP messages)", { mediaType: "text/plain", fileName: "sip-ladder.txt" });
}

/**
 * The scenario's packets: one pcapng (interfaces named node:network, the agents' TLS keys inside) and the
 * ladder drawn from it, attached and written under reports/captures/.
 */
async function attachCapture(world: LabWorld, scenario: string): Promise<void> {
  const lab = world.lab;
  try {
    const analyzer = await sharedAnalyzer(docker(), runState.images!.analyzer);
    const e = await captureEvidence(lab, lab.capture, analyzer, { final: true, title: scenario });
    const base = `${scenario
      .replace(/[^A-Za-z0-9._-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 80)}-${lab.id}`;
    await mkdir(CAPTURES_DIR, { recursive: true });
    await writeFile(join(CAPTURES_DIR, `${base}.pcapng`), e.pcapng);
    await writeFile(join(CAPTURES_DIR, `${base}.svg`), e.svg);
    await world.attach(e.pcapng, { mediaType: "application/vnd.tcpdump.pcap", fileName: `${base}.pcapng` });
    // As bytes (base64): the HTML report shows an image attachment from a data URI of its base64 body.
    await world.attach(Buffer.from(e.svg), { mediaType: "image/svg+xml", fileName: `${base}-ladder.svg` });
    await world.attach(JSON.stringify(e.ladder), { mediaType: "application/json", fileName: `${base}-ladder.json` });
    await world.attach(`${e.summary}\nwritten: ${join("reports/captures", `${base}.pcapng`)} and .svg`, { mediaType: "text/plain", fileName: "capture.txt" });
    // Each call over time: the agents' own ICE reports and the capture's media, one SVG per call. What
    // they are drawn from beside them (with the pcapng's dissection, enough to draw them again).
    try {
      const agents: Record<string, AgentsReport[string]> = {};
      for (const name of lab.nodesOf(userAgent)) {
        const a = lab.agent(name);
        agents[name] = { calls: await a.calls(), ice: await a.ice() };
      }
      await writeFile(join(CAPTURES_DIR, `${base}-timeline.json`), JSON.stringify({ interfaces: e.ladder.columns, agents }, null, 1));
      for (const call of callsWithMedia(agents)) {
        const svg = timelineSvg(buildCallTimeline(call, e.packets, e.ladder.columns), `${lab.topology.name} — lab ${lab.id}: ${scenario}`);
        await writeFile(join(CAPTURES_DIR, `${base}-${call.callId.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 40)}-timeline.svg`), svg);
        await world.attach(Buffer.from(svg), { mediaType: "image/svg+xml", fileName: `${call.callId}-timeline.svg` });
      }
    } catch (err) {
      await world.attach(`could not draw the call timelines: ${(err as Error).message}`, { mediaType: "text/plain", fileName: "timeline-error.txt" });
    }
  } catch (e) {
    await world.attach(`could not collect the capture: ${(e as Error).message}`, { mediaType: "text/plain", fileName: "capture-error.txt" });
  }
}

/** ICE evidence of every WebRTC call, attached whether the scenario passed or not: which pair won, and when. */
async function attachIce(world: LabWorld): Promise<void> {
  const lab = world.lab;
  for (const name of lab.nodeNames()) {
    if (lab.topology.nodes.get(name)?.kind !== "user-agent") continue;
    const reports = await lab
      .agent(name)
      .ice()
      .catch(() => []);
    for (const { callId, ice } of reports) {
      await world.attach(formatIceReport(name, ice), { mediaType: "text/plain", fileName: `${name}-ice-${callId.slice(0, 8)}.txt` });
    }
  }
}

/** What each node's kind shows (an ALG's verdicts, say), pass or fail. */
async function attachKindEvidence(world: LabWorld): Promise<void> {
  for (const e of await world.lab.evidence()) await world.attach(e.body, { mediaType: e.mediaType, fileName: e.fileName });
}

/** Which engine carried the scenario's impairments, and each engine's per-link-end counters. */
async function attachImpairments(world: LabWorld): Promise<void> {
  const lab = world.lab;
  if (!lab.impairmentEngine) return;
  const lines = [`impairment engine: ${lab.impairmentEngine}`];
  for (const node of lab.impairedNodes()) {
    const stats = await lab.impairmentStats(node).catch((e: Error) => e.message);
    lines.push(`${node}: ${typeof stats === "string" ? stats : JSON.stringify(stats, null, 1)}`);
  }
  await world.attach(lines.join("\n"), { mediaType: "text/plain", fileName: "impairments.txt" });
}
