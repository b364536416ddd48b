import { escapeXml } from "./ladder-svg.js";
import type { AgentIce, CallTimeline, MediaDirection, PairRow, StateLane } from "./timeline.js";

// A call's timeline drawn: one time axis (seconds from the INVITE) shared by every row. For each WebRTC
// agent its ICE/DTLS state lanes and its candidate pairs (checks as ticks, the selected spans as bars);
// for each media direction its packets per second (sent and received), loss and jitter per second, and
// where audio stopped. Plain SVG, no script; every series is a `<g class="…">` so tests and a browser
// can count them.

const LEFT = 390;
const RIGHT = 330;
const TOP = 24;
const LINE = 15;
const LANE = 17;
const PAIR = 15;
const RATE_H = 64;
const LOSS_H = 34;
const JITTER_H = 44;
const GAP = 10;

const STATE_COLOURS: Record<string, string> = {
  new: "#eceff1",
  checking: "#ffe082",
  connecting: "#ffe082",
  gathering: "#ffe082",
  connected: "#a5d6a7",
  completed: "#66bb6a",
  complete: "#a5d6a7",
  stable: "#c5cae9",
  "have-local-offer": "#e1bee7",
  "have-remote-offer": "#e1bee7",
  disconnected: "#ffab91",
  failed: "#e57373",
  closed: "#bdbdbd",
};
const SELECTED_COLOUR = "#90caf9";
const RECEIVED = "#7b1fa2";
const LOSS = "#c62828";
const JITTER = "#ef6c00";
const STOP = "#d32f2f";

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function seconds(v: number): string {
  return `${v.toFixed(2)} s`;
}

/** A round upper bound for a chart's scale. */
function niceMax(v: number, floor: number): number {
  const m = Math.max(v, floor);
  const p = 10 ** Math.floor(Math.log10(m));
  return [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].map((k) => Math.round(k * p * 10) / 10).find((x) => x >= m)!;
}

function describe(p: PairRow): string {
  const c = (x: PairRow["local"], id: string): string => (x ? `${x.type}${x.relayProtocol ? `(${x.relayProtocol})` : ""} ${x.address}:${x.port}` : id);
  return `${c(p.local, p.localId)} → ${c(p.remote, p.remoteId)}`;
}

/** Pairs worth a row: checked, selected or nominated. The others (never checked) are counted in one line. */
function shownPairs(ice: AgentIce): PairRow[] {
  const active = ice.pairs.filter((p) => p.requestsSent + p.responsesReceived + p.requestsReceived > 0 || p.selected.length > 0 || p.nominated);
  return active.sort((a, b) => Number(b.selected.length > 0) - Number(a.selected.length > 0));
}

interface Ctx {
  readonly x: (t: number) => number;
  readonly right: number;
  readonly tl: CallTimeline;
}

/** The timeline as an SVG document. */
export function timelineSvg(tl: CallTimeline, title: string): string {
  const pxPerS = Math.max(22, Math.min(110, 900 / tl.until));
  const plotW = Math.ceil(tl.until * pxPerS);
  const width = LEFT + plotW + RIGHT;
  // Tenths of a pixel: enough for a browser, and the document stays small.
  const x = (t: number): number => Math.round((LEFT + Math.max(0, Math.min(tl.until, t)) * pxPerS) * 10) / 10;
  const ctx: Ctx = { x, right: LEFT + plotW, tl };
  const body: string[] = [];
  let y = TOP;
  body.push(`<text x="10" y="${y - 6}" font-size="13" font-weight="bold">${escapeXml(clip(title, 150))}</text>`);
  y += 4;
  const summary = [
    `call ${tl.callId} between ${tl.parties.join(" and ")}`,
    tl.answered !== null ? `answered at ${seconds(tl.answered)}` : "never answered",
    tl.ended !== null ? `ended at ${seconds(tl.ended)}` : "not ended when the capture stopped",
  ].join(", ");
  body.push(`<text x="10" y="${y + 8}" fill="#333">${escapeXml(summary)}; times are seconds from the INVITE</text>`);
  y += LINE;
  for (const n of tl.notes) {
    body.push(`<text class="note" x="10" y="${y + 8}" fill="#8d6e63">${escapeXml(clip(n, 230))}</text>`);
    y += LINE;
  }
  y += 6;
  const axisY = y + 14;
  y = axisY + 8;
  for (const ice of tl.ice) y = iceSection(body, ctx, ice, y);
  for (const m of tl.media) y = mediaSection(body, ctx, m, y);
  if (tl.media.length === 0) {
    body.push(`<text x="10" y="${y + 12}" fill="#777">no media direction: only one agent reported this call</text>`);
    y += LINE + 4;
  }
  const height = y + 16;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="11">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    axis(ctx, axisY, height - 10),
    marks(ctx, axisY, height - 10),
    ...body,
    "</svg>",
  ];
  return parts.join("\n");
}

function axis(ctx: Ctx, y: number, bottom: number): string {
  const step = ctx.tl.until > 60 ? 10 : ctx.tl.until > 24 ? 5 : ctx.tl.until > 12 ? 2 : 1;
  const out = [`<g class="axis">`, `<line x1="${ctx.x(0)}" y1="${y}" x2="${ctx.right}" y2="${y}" stroke="#555"/>`];
  for (let t = 0; t <= ctx.tl.until; t += step) {
    out.push(
      `<line x1="${ctx.x(t)}" y1="${y}" x2="${ctx.x(t)}" y2="${bottom}" stroke="#eee"/>`,
      `<text x="${ctx.x(t)}" y="${y - 4}" text-anchor="middle" fill="#555">${t}s</text>`,
    );
  }
  out.push("</g>");
  return out.join("");
}

function marks(ctx: Ctx, top: number, bottom: number): string {
  const out = [`<g class="call-marks">`];
  const mark = (t: number, colour: string, label: string): void => {
    out.push(
      `<line x1="${ctx.x(t)}" y1="${top}" x2="${ctx.x(t)}" y2="${bottom}" stroke="${colour}" stroke-dasharray="6,3"/>`,
      `<text x="${ctx.x(t) + 3}" y="${top + 11}" fill="${colour}" font-size="10">${escapeXml(label)}</text>`,
    );
  };
  if (ctx.tl.answered !== null) mark(ctx.tl.answered, "#2e7d32", "200 OK");
  if (ctx.tl.ended !== null) mark(ctx.tl.ended, "#000", "BYE");
  out.push("</g>");
  return out.join("");
}

function heading(body: string[], text: string, y: number): number {
  body.push(`<text x="10" y="${y + 13}" font-weight="bold" font-size="12">${escapeXml(text)}</text>`);
  return y + 20;
}

function iceSection(body: string[], ctx: Ctx, ice: AgentIce, y0: number): number {
  let y = heading(body, `${ice.agent}: ICE and DTLS states (its own report)`, y0);
  for (const lane of ice.lanes) {
    body.push(laneSvg(ctx, ice.agent, lane, y));
    y += LANE;
  }
  if (ice.gatheringErrors.length) {
    const g = [`<g class="gathering-errors" data-agent="${escapeXml(ice.agent)}">`, `<text x="20" y="${y + 12}" fill="${LOSS}">gathering errors</text>`];
    for (const e of ice.gatheringErrors)
      g.push(
        `<path d="M${ctx.x(e.t) - 4},${y + 3} l8,8 m0,-8 l-8,8" stroke="${LOSS}" stroke-width="2"><title>${escapeXml(`${seconds(e.t)} ${e.text}`)}</title></path>`,
      );
    g.push(`<text x="${ctx.right + 6}" y="${y + 12}" fill="${LOSS}">${escapeXml(clip(ice.gatheringErrors[0]!.text, 34))}</text>`, "</g>");
    body.push(g.join(""));
    y += LANE;
  }
  const shown = shownPairs(ice);
  y += 4;
  body.push(
    `<text x="20" y="${y + 11}" fill="#555">candidate pairs (local → remote)</text>`,
    `<text x="${ctx.right + 6}" y="${y + 11}" fill="#555">state, checks sent/answered/received @where seen</text>`,
  );
  y += PAIR;
  for (const p of shown) {
    body.push(pairSvg(ctx, ice.agent, p, y));
    y += PAIR;
  }
  const rest = ice.pairs.length - shown.length;
  body.push(
    `<text x="20" y="${y + 11}" fill="#777">${rest > 0 ? `${rest} more pair(s) never checked; ` : ""}ticks: ▲ check sent, ● answer received, ▼ check received; blue: the selected pair</text>`,
  );
  return y + PAIR + GAP;
}

function laneSvg(ctx: Ctx, agent: string, lane: StateLane, y: number): string {
  const out = [`<g class="lane" data-agent="${escapeXml(agent)}" data-what="${lane.what}">`, `<text x="20" y="${y + 12}">${lane.what}</text>`];
  for (const s of lane.spans) {
    const x1 = ctx.x(s.from);
    const w = Math.max(1, ctx.x(s.to) - x1);
    const fill = lane.what === "selected-pair" ? SELECTED_COLOUR : (STATE_COLOURS[s.state] ?? "#e0e0e0");
    out.push(
      `<rect x="${x1}" y="${y + 1}" width="${w}" height="${LANE - 3}" fill="${fill}" stroke="white"><title>${escapeXml(`${lane.what} ${s.state} from ${seconds(s.from)}`)}</title></rect>`,
    );
    const room = Math.floor((w - 4) / 6.6);
    if (room >= 3) out.push(`<text x="${x1 + 3}" y="${y + 12}" font-size="10">${escapeXml(clip(s.state, room))}</text>`);
  }
  const last = lane.spans.at(-1);
  if (last) out.push(`<text x="${ctx.right + 6}" y="${y + 12}" fill="#555">${escapeXml(clip(last.state, 34))}</text>`);
  out.push("</g>");
  return out.join("");
}

function pairSvg(ctx: Ctx, agent: string, p: PairRow, y: number): string {
  const out = [
    `<g class="pair" data-agent="${escapeXml(agent)}" data-state="${escapeXml(p.state)}" data-selected="${p.selected.length > 0}" data-checks="${p.checks.length}">`,
    `<text x="20" y="${y + 11}" font-size="10"${p.selected.length ? ` font-weight="bold"` : ""}>${escapeXml(clip(describe(p), 60))}</text>`,
    `<line x1="${ctx.x(0)}" y1="${y + 7}" x2="${ctx.right}" y2="${y + 7}" stroke="#e0e0e0"/>`,
  ];
  for (const s of p.selected)
    out.push(`<rect x="${ctx.x(s.from)}" y="${y + 2}" width="${Math.max(2, ctx.x(s.to) - ctx.x(s.from))}" height="${PAIR - 4}" fill="${SELECTED_COLOUR}"/>`);
  for (const c of p.checks) {
    const cx = ctx.x(c.t);
    if (c.kind === "request-sent") out.push(`<path d="M${cx - 3},${y + 7} l3,-5 l3,5 z" fill="#37474f"/>`);
    else if (c.kind === "response-received") out.push(`<circle cx="${cx}" cy="${y + 10}" r="2.2" fill="#2e7d32"/>`);
    else out.push(`<path d="M${cx - 3},${y + 8} l3,5 l3,-5 z" fill="#9e9e9e"/>`);
  }
  const counts = `${p.state}${p.nominated ? " nom." : ""} ${p.requestsSent}/${p.responsesReceived}/${p.requestsReceived}${p.rttMs !== null ? ` ${p.rttMs}ms` : ""}${p.checksAt ? ` @${p.checksAt}` : ""}`;
  out.push(`<text x="${ctx.right + 6}" y="${y + 11}" font-size="10" fill="#555">${escapeXml(clip(counts, 50))}</text>`);
  if (!p.checksAt && p.requestsSent + p.requestsReceived > 0)
    out.push(`<text x="${ctx.x(0) + 4}" y="${y + 11}" font-size="9" fill="#999">(checks not seen in the capture with these addresses)</text>`);
  out.push("</g>");
  return out.join("");
}

function mediaSection(body: string[], ctx: Ctx, m: MediaDirection, y0: number): number {
  const dir = `${m.from}→${m.to}`;
  let y = heading(body, `RTP ${m.from} → ${m.to}: sent at ${m.sentAt.join(", ") || "?"}, measured at ${m.measuredAt.join(", ") || "?"}`, y0);
  const quiet = (m.stoppedBeforeEnd ?? 0) > 1 || (m.sentAfterStop ?? 0) > 1;
  const stop =
    m.lastReceived === null
      ? "no RTP arrived"
      : m.flowingAtCaptureEnd
        ? `still flowing at ${seconds(m.captureEnded!)}, when a capture ended (counted until then)`
        : quiet
          ? [
              `audio stopped at ${seconds(m.lastReceived)}`,
              m.stoppedBeforeEnd !== null ? `${m.stoppedBeforeEnd.toFixed(1)} s before the call's end` : "the call still up",
              ...((m.sentAfterStop ?? 0) > 1 ? [`${m.from} sent for ${m.sentAfterStop!.toFixed(1)} s more`] : []),
            ].join(", ")
          : m.stoppedBeforeEnd === null
            ? `last packet at ${seconds(m.lastReceived)} (the call had not ended)`
            : `last packet at ${seconds(m.lastReceived)}, at the call's end`;
  const facts = `sent ${m.sent}, received ${m.received}, lost ${m.lost}${m.clockRate ? `, clock ${m.clockRate} Hz` : ""}; ${stop}`;
  body.push(`<text x="10" y="${y + 8}" fill="${m.lastReceived === null || quiet ? STOP : "#333"}">${escapeXml(facts)}</text>`);
  y += LINE + 2;
  const top = y;
  const secs = m.seconds;
  // Counting ends where a capture did (or the view): the second it falls in is drawn only up to it.
  const counted = m.captureEnded ?? ctx.tl.until;
  const bar = (i: number): { x: number; w: number } => {
    const x1 = ctx.x(i);
    return { x: x1 + 1, w: Math.max(1, ctx.x(Math.min(i + 1, counted)) - x1 - 2) };
  };

  // Packets per second: received as bars, sent as a step line over them.
  const rateMax = niceMax(Math.max(...secs.map((s) => Math.max(s.sent, s.received))), 10);
  const ry = (v: number): number => y + RATE_H - (v / rateMax) * RATE_H;
  const rate = [`<g class="rtp-rate" data-direction="${escapeXml(dir)}">`, ...scale(ctx, y, RATE_H, rateMax, "packets/s")];
  for (const s of secs) {
    if (s.received === 0) continue;
    const b = bar(s.t);
    rate.push(
      `<rect x="${b.x}" y="${ry(s.received)}" width="${b.w}" height="${y + RATE_H - ry(s.received)}" fill="${RECEIVED}" opacity="0.75"><title>${s.t}–${s.t + 1} s: received ${s.received}, sent ${s.sent}</title></rect>`,
    );
  }
  const sentPath = secs
    .filter((s) => s.t < counted)
    .map((s) => `${s.t === 0 ? "M" : "L"}${ctx.x(s.t)},${ry(s.sent)} L${ctx.x(Math.min(s.t + 1, counted))},${ry(s.sent)}`)
    .join(" ");
  rate.push(`<path class="sent" d="${sentPath}" fill="none" stroke="#263238" stroke-width="1.5" stroke-dasharray="5,3"/>`);
  rate.push(
    `<text x="${ctx.right + 6}" y="${y + 12}" fill="${RECEIVED}">■ received at ${escapeXml(clip(m.measuredAt.join(","), 18))}</text>`,
    `<text x="${ctx.right + 6}" y="${y + 26}" fill="#263238">-- sent at ${escapeXml(clip(m.sentAt.join(","), 20))}</text>`,
    "</g>",
  );
  body.push(rate.join(""));
  y += RATE_H + 6;

  const lossMax = niceMax(Math.max(...secs.map((s) => s.lost)), 5);
  const loss = [`<g class="rtp-loss" data-direction="${escapeXml(dir)}">`, ...scale(ctx, y, LOSS_H, lossMax, "lost/s")];
  for (const s of secs) {
    if (s.lost === 0) continue;
    const b = bar(s.t);
    const h = (s.lost / lossMax) * LOSS_H;
    loss.push(`<rect x="${b.x}" y="${y + LOSS_H - h}" width="${b.w}" height="${h}" fill="${LOSS}"><title>${s.t}–${s.t + 1} s: ${s.lost} lost</title></rect>`);
  }
  loss.push(`<text x="${ctx.right + 6}" y="${y + 14}" fill="${LOSS}">■ sequence gaps (${m.lost})</text>`, "</g>");
  body.push(loss.join(""));
  y += LOSS_H + 6;

  const jit = secs.filter((s) => s.jitterMs !== null);
  const sentJit = secs.filter((s) => s.sentJitterMs !== null);
  const jitterMax = niceMax(Math.max(0, ...jit.map((s) => s.jitterMs!), ...sentJit.map((s) => s.sentJitterMs!)), 5);
  const jy = (v: number): number => y + JITTER_H - (v / jitterMax) * JITTER_H;
  const jitter = [`<g class="rtp-jitter" data-direction="${escapeXml(dir)}">`, ...scale(ctx, y, JITTER_H, jitterMax, "jitter ms")];
  if (sentJit.length)
    jitter.push(
      `<path class="sent" d="${sentJit.map((s, i) => `${i ? "L" : "M"}${ctx.x(s.t + 0.5)},${jy(s.sentJitterMs!)}`).join(" ")}" fill="none" stroke="#263238" stroke-width="1" stroke-dasharray="5,3"/>`,
    );
  if (jit.length) {
    jitter.push(
      `<path d="${jit.map((s, i) => `${i ? "L" : "M"}${ctx.x(s.t + 0.5)},${jy(s.jitterMs!)}`).join(" ")}" fill="none" stroke="${JITTER}" stroke-width="1.5"/>`,
      ...jit.map(
        (s) =>
          `<circle cx="${ctx.x(s.t + 0.5)}" cy="${jy(s.jitterMs!)}" r="2.5" fill="${JITTER}"><title>${s.t}–${s.t + 1} s: ${s.jitterMs!.toFixed(2)} ms</title></circle>`,
      ),
    );
  }
  const maxJ = jit.length ? Math.max(...jit.map((s) => s.jitterMs!)) : null;
  jitter.push(
    `<text x="${ctx.right + 6}" y="${y + 12}" fill="${JITTER}">● RFC 3550 jitter${maxJ !== null ? ` (max ${maxJ.toFixed(1)} ms)` : ""}</text>`,
    `<text x="${ctx.right + 6}" y="${y + 26}" fill="#263238">-- at the sender: its own pacing</text>`,
    "</g>",
  );
  body.push(jitter.join(""));
  y += JITTER_H;

  const s = [`<g class="audio-stop" data-direction="${escapeXml(dir)}" data-stopped-before-end="${m.stoppedBeforeEnd?.toFixed(3) ?? ""}">`];
  if (m.lastReceived !== null) {
    // Where the capture ended first, the line marks that, not silence.
    const sx = ctx.x(m.lastReceived);
    const colour = m.flowingAtCaptureEnd ? "#757575" : STOP;
    s.push(
      `<line x1="${sx}" y1="${top - 2}" x2="${sx}" y2="${y + 2}" stroke="${colour}" stroke-width="2"${m.flowingAtCaptureEnd ? ` stroke-dasharray="4,3"` : ""}/>`,
      `<text x="${sx - 4}" y="${top + 10}" text-anchor="end" fill="${colour}" font-weight="bold" stroke="white" stroke-width="3" paint-order="stroke">${m.flowingAtCaptureEnd ? "capture ended, " : ""}last RTP ${seconds(m.lastReceived)}</text>`,
    );
  } else
    s.push(
      `<text x="${ctx.x(0) + 8}" y="${top + RATE_H / 2 - 6}" fill="${STOP}" font-weight="bold">no RTP of this direction arrived at ${escapeXml(m.measuredAt.join(", ") || "?")}${m.sent === 0 ? `;<tspan x="${ctx.x(0) + 8}" dy="14">none left ${escapeXml(m.sentAt.join(", ") || "?")} either</tspan>` : ""}</text>`,
    );
  s.push("</g>");
  body.push(s.join(""));
  if (m.captureEnded !== null)
    body.push(
      `<g class="not-captured" data-direction="${escapeXml(dir)}"><rect x="${ctx.x(m.captureEnded)}" y="${top}" width="${Math.max(0, ctx.right - ctx.x(m.captureEnded))}" height="${y - top}" fill="#9e9e9e" opacity="0.18"/>${ctx.right - ctx.x(m.captureEnded) > 190 ? `<text x="${ctx.x(m.captureEnded) + 4}" y="${y - 4}" fill="#616161" font-size="10">not counted: a capture had ended</text>` : ""}</g>`,
    );
  return y + GAP + 12;
}

function scale(ctx: Ctx, y: number, h: number, max: number, label: string): string[] {
  return [
    `<rect x="${ctx.x(0)}" y="${y}" width="${ctx.right - ctx.x(0)}" height="${h}" fill="none" stroke="#e0e0e0"/>`,
    `<text x="${ctx.x(0) - 4}" y="${y + 9}" text-anchor="end" fill="#777" font-size="10">${max}</text>`,
    `<text x="${ctx.x(0) - 4}" y="${y + h}" text-anchor="end" fill="#777" font-size="10">0</text>`,
    `<text x="20" y="${y + h / 2 + 4}" fill="#555">${label}</text>`,
  ];
}
