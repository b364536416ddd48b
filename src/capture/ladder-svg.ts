import type { Ladder, LadderArrow, LadderVanish } from "./ladder.js";

// The ladder drawn: a column per interface (grouped by node), a row per message in time order. An arrow
// that left a box carries what the box changed as "before → after" lines under it, at that box; a message
// that entered a box and never left is a cross where it entered. Plain SVG, no script: it renders in a
// browser, in the cucumber report, and in any image viewer.

const COL = 170;
const MARGIN = 20;
const HEADER = 58;
const ROW = 22;
const CHANGE_LINE = 14;
const TIME_GUTTER = 70;

const COLOURS: Record<LadderArrow["protocol"] | "vanished", string> = {
  sip: "#1f4e9c",
  stun: "#2e7d32",
  rtp: "#8e24aa",
  icmp: "#c62828",
  fragment: "#ef6c00",
  vanished: "#c62828",
};

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!);
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function rowHeight(r: Ladder["rows"][number]): number {
  return r.kind === "arrow" ? ROW + r.changes.length * CHANGE_LINE * 2 : ROW;
}

/** The ladder as an SVG document. Each arrow is a `<g class="arrow">`, each vanish a `<g class="vanished">`. */
export function ladderSvg(ladder: Ladder, title: string): string {
  const x = (col: number): number => TIME_GUTTER + MARGIN + col * COL + COL / 2;
  const width = TIME_GUTTER + 2 * MARGIN + Math.max(1, ladder.columns.length) * COL;
  const bodyHeight = ladder.rows.reduce((h, r) => h + rowHeight(r), 0);
  const height = HEADER + bodyHeight + MARGIN + (ladder.omitted > 0 ? ROW : 0) + 24;
  const t0 = ladder.rows[0]?.time ?? 0;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="11">`,
    `<title>${escapeXml(title)}</title>`,
    `<defs><marker id="head" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${MARGIN}" y="16" font-size="13" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  // Columns: a header per interface, node names bold, a lifeline down the page; a node's columns share a band.
  let band = 0;
  ladder.columns.forEach((c, i) => {
    if (i > 0 && ladder.columns[i - 1]!.node !== c.node) band++;
    const left = x(i) - COL / 2;
    parts.push(
      `<g class="column" data-label="${escapeXml(c.label)}">`,
      `<rect x="${left + 2}" y="24" width="${COL - 4}" height="${height - 30}" fill="${band % 2 ? "#f4f6fa" : "#fafafa"}"/>`,
      `<text x="${x(i)}" y="38" text-anchor="middle" font-weight="bold">${escapeXml(c.node)}</text>`,
      `<text x="${x(i)}" y="51" text-anchor="middle" fill="#555">${escapeXml(c.network)}</text>`,
      `<line x1="${x(i)}" y1="${HEADER}" x2="${x(i)}" y2="${height - 10}" stroke="#bbb" stroke-dasharray="3,3"/>`,
      "</g>",
    );
  });
  let y = HEADER;
  for (const r of ladder.rows) {
    const mid = y + ROW / 2 + 4;
    parts.push(`<text x="${MARGIN}" y="${mid}" fill="#777">${(r.time - t0).toFixed(3)}s</text>`);
    parts.push(r.kind === "arrow" ? arrow(r, x, mid) : vanish(r, x, mid));
    y += rowHeight(r);
  }
  if (ladder.omitted > 0) parts.push(`<text x="${MARGIN}" y="${y + 16}" fill="#c62828">… ${ladder.omitted} more rows left out</text>`);
  parts.push("</svg>");
  return parts.join("\n");
}

function arrow(r: LadderArrow, x: (c: number) => number, mid: number): string {
  const colour = COLOURS[r.protocol];
  const x1 = x(r.from);
  // To nobody captured: a short stub to the right, dashed.
  const x2 = r.to >= 0 ? x(r.to) : x1 + COL * 0.45;
  const dash = r.arrived ? "" : ` stroke-dasharray="5,3"`;
  const textX = r.to >= 0 && r.to !== r.from ? (x1 + x2) / 2 : x1 + 8;
  const out = [
    `<g class="arrow" data-protocol="${r.protocol}"${r.crossed ? ` data-crossed="${escapeXml(r.crossed)}"` : ""}${r.changes.length ? ` data-changed="${r.changes.map((c) => escapeXml(c.field)).join(",")}"` : ""}>`,
    `<line x1="${x1}" y1="${mid - 4}" x2="${x2}" y2="${mid - 4}" stroke="${colour}" stroke-width="1.5" marker-end="url(#head)"${dash}/>`,
    `<text x="${textX}" y="${mid - 8}" text-anchor="${textX === x1 + 8 ? "start" : "middle"}" fill="${colour}">${escapeXml(clip(r.label, 44))}${r.arrived ? "" : " (not seen arriving)"}</text>`,
  ];
  let cy = mid + 10;
  for (const c of r.changes) {
    // Side by side as before → after, at the box that made the change (the arrow's start).
    out.push(
      `<text class="change" x="${x1 + 6}" y="${cy}" fill="#b71c1c">${escapeXml(c.field)}: ${escapeXml(clip(c.before, 60))}</text>`,
      `<text class="change" x="${x1 + 6}" y="${cy + CHANGE_LINE}" fill="#1b5e20">${" ".repeat(c.field.length)}→ ${escapeXml(clip(c.after, 60))}</text>`,
    );
    cy += CHANGE_LINE * 2;
  }
  out.push("</g>");
  return out.join("");
}

function vanish(r: LadderVanish, x: (c: number) => number, mid: number): string {
  const cx = x(r.at);
  const s = 6;
  return [
    `<g class="vanished" data-box="${escapeXml(r.box)}">`,
    `<path d="M${cx - s},${mid - 4 - s} L${cx + s},${mid - 4 + s} M${cx + s},${mid - 4 - s} L${cx - s},${mid - 4 + s}" stroke="${COLOURS.vanished}" stroke-width="2"/>`,
    `<text x="${cx + 10}" y="${mid}" fill="${COLOURS.vanished}">${escapeXml(clip(r.label, 40))}: entered ${escapeXml(r.box)}, never left</text>`,
    "</g>",
  ].join("");
}
