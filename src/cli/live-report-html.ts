import type { CallOutcome } from "../calls/outcome.js";
import { escapeXml } from "../capture/ladder-svg.js";

// The live lab's report page (`callpath report`): the calls placed, the ladder and each call's timeline,
// one self-contained HTML file (SVGs inline: a browser lays their elements out, nothing is fetched).

export interface ReportCall {
  readonly agent: string;
  readonly outcome: CallOutcome;
}

export interface LiveReport {
  readonly labId: string;
  readonly topology: string;
  readonly generatedAt: string;
  readonly calls: readonly ReportCall[];
  readonly ladderSvg: string;
  /** One SVG per call, by Call-ID (the media and ICE timeline), when there is one. */
  readonly timelines: ReadonlyMap<string, string>;
  readonly summary: string;
  /** The pcapng beside the page, by file name. */
  readonly pcapFile: string;
}

function callRow(c: ReportCall): string {
  const o = c.outcome;
  const result = o.established ? `established in ${o.setupMs} ms` : `failed: ${o.failedStage ?? "?"} ${o.finalStatus ?? "no response"} ${o.reason ?? ""}`;
  const ended = o.endedAt === null ? "in progress" : `ended by ${o.endedBy ?? "?"} after ${((o.endedAt - o.startedAt) / 1000).toFixed(1)} s`;
  return `<tr class="${o.established && !o.failedStage ? "ok" : "failed"}"><td>${escapeXml(c.agent)}</td><td>${escapeXml(o.remote)}</td><td>${escapeXml(result)}</td><td>${escapeXml(ended)}</td><td><code>${escapeXml(o.callId)}</code></td></tr>`;
}

export function liveReportHtml(r: LiveReport): string {
  const timelines = [...r.timelines]
    .map(([callId, svg]) => `<section class="timeline" data-call-id="${escapeXml(callId)}"><h3>Call <code>${escapeXml(callId)}</code></h3>${svg}</section>`)
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>callpath: lab ${escapeXml(r.labId)} (${escapeXml(r.topology)})</title>
<style>
body { font-family: sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
td, th { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; font-size: 0.9em; }
tr.failed td { background: #fdecea; } tr.ok td { background: #eef7ee; }
pre { background: #f6f6f6; padding: 0.6em; font-size: 0.85em; }
.ladder, .timeline { overflow-x: auto; border: 1px solid #ddd; margin-bottom: 1.5em; }
</style></head>
<body>
<h1>Lab ${escapeXml(r.labId)} — ${escapeXml(r.topology)}</h1>
<p>Report made ${escapeXml(r.generatedAt)} from the lab's captures so far (<a href="${escapeXml(r.pcapFile)}">${escapeXml(r.pcapFile)}</a>, one pcapng, interfaces named node:network).</p>
<h2>Calls placed (${r.calls.length})</h2>
${r.calls.length ? `<table><tr><th>caller</th><th>to</th><th>outcome</th><th>ended</th><th>Call-ID</th></tr>${r.calls.map(callRow).join("")}</table>` : "<p>No calls yet: <code>callpath call &lt;a&gt; &lt;b&gt;</code>.</p>"}
<h2>SIP ladder</h2>
<div class="ladder">${r.ladderSvg}</div>
${timelines ? `<h2>Media and ICE over time</h2>\n${timelines}` : ""}
<h2>Capture</h2>
<pre>${escapeXml(r.summary)}</pre>
</body></html>
`;
}
