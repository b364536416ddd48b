import { escapeControl } from "../common/errors.js";
import type { Evidence } from "./finding.js";
import type { Inspection } from "./inspect.js";

// The inspection as a person reads it (text) and as a machine does (JSON). Capture contents are the
// customer's: every string from it is printed with control characters escaped.

const WIDTH = 110;

/** Words to lines of at most WIDTH; the first line starts with `first` (a number, say), the rest with `indent`. */
function wrap(text: string, indent: string, first: string = indent): string {
  const words = escapeControl(text).split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = "";
  for (const w of words) {
    if (line && indent.length + line.length + 1 + w.length > WIDTH) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.map((l, i) => `${i === 0 ? first : indent}${l}`).join("\n");
}

function evidenceLine(e: Evidence, ifaceWidth: number): string {
  const iface = (e.iface ?? "").padEnd(ifaceWidth);
  return escapeControl(
    `#${String(e.frame).padEnd(6)} ${e.time.toFixed(3).padStart(8)} s  ${iface}${ifaceWidth > 0 ? "  " : ""}${e.from} → ${e.to} ${e.transport}  ${e.note}`,
  );
}

export function formatText(r: Inspection): string {
  const c = r.capture;
  const out: string[] = [];
  out.push(`callpath inspect: ${escapeControl(r.source)}`);
  const counted = Object.entries(c.counts)
    .map(([k, n]) => `${k.toUpperCase()} ${n}`)
    .join(", ");
  out.push(
    wrap(
      `${c.frames} frames of interest over ${(c.frames > 0 ? c.end - c.start : 0).toFixed(1)} s (${counted}); ${
        c.named
          ? `interfaces named node:network, so each packet is placed where it was seen: ${c.interfaces.join(", ")}`
          : c.interfaces.length > 0
            ? `interfaces ${c.interfaces.join(", ")}; read by addresses alone (RFC 1918 and 100.64/10 private, the rest public)`
            : "no interface names (an anonymous capture): read by addresses alone (RFC 1918 and 100.64/10 private, the rest public)"
      }`,
      "  ",
    ),
  );
  out.push("");
  out.push("Causes");
  if (r.causes.length === 0)
    out.push("  none: nothing in this capture matches a failure callpath knows (ALG rewrites, UDP blocked, fragments, timeouts, one-way or stopped RTP)");
  r.causes.forEach((cause, i) => {
    out.push(wrap(`${i + 1}. [${cause.confidence}] ${cause.title}`, "     ", "  "));
    out.push(wrap(cause.because, "     "));
    out.push(`     findings ${cause.findings.map((f) => f + 1).join(", ")}`);
  });
  out.push("");
  out.push("Findings");
  if (r.findings.length === 0) out.push("  none");
  const ifaceWidth = Math.max(0, ...r.findings.flatMap((f) => f.evidence.map((e) => (e.iface ?? "").length)));
  r.findings.forEach((f, i) => {
    out.push(wrap(`${i + 1}. [${f.severity}] ${f.family}/${f.id}: ${f.title}`, "     ", "  "));
    out.push(wrap(f.detail, "     "));
    for (const e of f.evidence) out.push(`       ${evidenceLine(e, ifaceWidth)}`);
  });
  out.push("");
  out.push("Topology skeleton (--topology-out <file> writes it; callpath validate accepts it)");
  out.push(
    r.skeleton.yaml
      .trimEnd()
      .split("\n")
      .map((l) => `  ${escapeControl(l)}`)
      .join("\n"),
  );
  for (const g of r.skeleton.gaps) out.push(wrap(`note: ${g}`, "  "));
  return `${out.join("\n")}\n`;
}

export function formatJson(r: Inspection): string {
  return `${JSON.stringify(
    {
      source: r.source,
      capture: r.capture,
      causes: r.causes.map((c) => ({ ...c, findings: c.findings.map((i) => i + 1) })),
      findings: r.findings.map((f, i) => ({ number: i + 1, ...f })),
      skeleton: r.skeleton,
    },
    null,
    2,
  )}\n`;
}
