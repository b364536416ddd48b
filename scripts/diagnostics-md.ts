// Writes the measured part of DIAGNOSTICS.md from a diagnose run's results.json: per heuristic, the
// confusion figures per question and every wrong verdict with its case. The explanations around them are
// written by hand, between the generated blocks (<!-- generated:NAME --> … <!-- /generated:NAME -->).
// npx tsx scripts/diagnostics-md.ts reports/diagnose/results.json
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DiagnoseReport } from "../src/diagnose/report.js";
import { runStatus } from "../src/diagnose/report.js";
import { PROJECT_ROOT } from "../src/lab/images.js";

const file = process.argv[2] ?? join(PROJECT_ROOT, "reports", "diagnose", "results.json");
const r = JSON.parse(await readFile(file, "utf8")) as DiagnoseReport;
const pct = (v: number | null): string => (v === null ? "—" : `${(v * 100).toFixed(0)} %`);

function block(h: string): string {
  const lines = [
    `| question | TP | FP | TN | FN | right | wrong | inconclusive | no verdict | precision | recall |`,
    `|---|---|---|---|---|---|---|---|---|---|---|`,
  ];
  for (const s of r.scores.filter((x) => x.heuristic === h))
    lines.push(
      `| ${s.question} | ${s.tp} | ${s.fp} | ${s.tn} | ${s.fn} | ${s.right} | ${s.wrong} | ${s.inconclusive} | ${s.unanswered} | ${pct(s.precision)} | ${pct(s.recall)} |`,
    );
  const failed = r.results.filter((c) => c.runs[h] && c.runs[h]!.status !== "ok");
  if (failed.length > 0) lines.push("", `Runs without verdicts: ${failed.map((c) => `${c.case.id} (${runStatus(c, h)})`).join(", ")}.`);
  const wrong = r.judgements.filter((j) => j.heuristic === h && j.outcome === "wrong");
  if (wrong.length > 0) {
    lines.push("", "| case | question | said | truth |", "|---|---|---|---|");
    for (const j of wrong) lines.push(`| ${j.caseId} | ${j.question} | ${j.verdict} | ${j.truth} |`);
  } else lines.push("", "No wrong verdict.");
  return lines.join("\n");
}

const target = join(PROJECT_ROOT, "DIAGNOSTICS.md");
let text = await readFile(target, "utf8");
for (const h of r.heuristics) {
  const open = `<!-- generated:${h} -->`;
  const close = `<!-- /generated:${h} -->`;
  const a = text.indexOf(open);
  const b = text.indexOf(close);
  if (a < 0 || b < 0) {
    process.stderr.write(`DIAGNOSTICS.md has no block for ${h} (${open} … ${close}); skipped\n`);
    continue;
  }
  text = `${text.slice(0, a + open.length)}\n${block(h)}\n${text.slice(b)}`;
}
const summary = `<!-- generated:run -->\n${r.results.length} cases of matrix \`${r.matrix}\`, ${r.heuristics.join(", ")}; ${(r.wallMs / 60_000).toFixed(1)} min at --parallel ${r.parallel}.\n`;
text = text.replace(/<!-- generated:run -->[\s\S]*?(?=<!-- \/generated:run -->)/, summary);
await writeFile(target, text);
process.stdout.write(`DIAGNOSTICS.md updated from ${file}\n`);
