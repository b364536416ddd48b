import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { QUESTIONS, type QuestionId } from "./questions.js";
import { judge, questionsAnswered, scoreQuestion, type CaseResult, type Judgement, type QuestionScore } from "./score.js";

// What `callpath diagnose` writes: JSON (everything), JUnit (one test case per case × question, failing on a
// wrong verdict; a run that crashed, hung or printed garbage is an error), HTML with the confusion matrices
// drawn, and a plain-text summary for the terminal.

export interface DiagnoseReport {
  readonly matrix: string;
  readonly heuristics: readonly string[];
  readonly results: readonly CaseResult[];
  readonly judgements: readonly Judgement[];
  readonly scores: readonly QuestionScore[];
  readonly wallMs: number;
  readonly parallel: number;
}

export function buildReport(matrix: string, heuristics: readonly string[], results: readonly CaseResult[], wallMs: number, parallel: number): DiagnoseReport {
  const judgements: Judgement[] = [];
  const scores: QuestionScore[] = [];
  for (const h of heuristics) {
    const qs = questionsAnswered(results, h);
    const js = judge(results, h, qs);
    judgements.push(...js);
    for (const q of qs) scores.push(scoreQuestion(js, h, q));
  }
  return { matrix, heuristics, results, judgements, scores, wallMs, parallel };
}

const pct = (v: number | null): string => (v === null ? "—" : `${(v * 100).toFixed(1)} %`);

/** A run's status word for tables: ok, crashed (exit 3), timeout (30 s), malformed, not run. */
export function runStatus(r: CaseResult, heuristic: string): string {
  const run = r.runs[heuristic];
  if (!run) return r.error ? "not run" : "—";
  if (run.status === "crashed") return `crashed (exit ${run.exitCode ?? "?"})`;
  if (run.status === "timeout") return `timeout (${Math.round(run.limitMs / 1000)} s)`;
  if (run.status === "not-run") return "not run";
  return run.status;
}

export function summaryText(r: DiagnoseReport): string {
  const lines: string[] = [];
  for (const h of r.heuristics) {
    const failed = r.results.filter((c) => {
      const s = c.runs[h]?.status;
      return s !== undefined && s !== "ok";
    }).length;
    lines.push(`${h}: ${r.results.length} cases, ${failed} without verdicts`);
    lines.push(
      `  ${"question".padEnd(20)} ${"TP".padStart(4)} ${"FP".padStart(4)} ${"TN".padStart(4)} ${"FN".padStart(4)} ${"right".padStart(6)} ${"wrong".padStart(6)} ${"inconc".padStart(6)}  precision  recall   inconclusive`,
    );
    for (const s of r.scores.filter((x) => x.heuristic === h)) {
      lines.push(
        `  ${s.question.padEnd(20)} ${String(s.tp).padStart(4)} ${String(s.fp).padStart(4)} ${String(s.tn).padStart(4)} ${String(s.fn).padStart(4)} ${String(s.right).padStart(6)} ${String(s.wrong).padStart(6)} ${String(s.inconclusive).padStart(6)}  ${pct(s.precision).padStart(9)}  ${pct(s.recall).padStart(7)}  ${pct(s.inconclusiveRate).padStart(7)}`,
      );
    }
    const wrong = r.judgements.filter((j) => j.heuristic === h && j.outcome === "wrong");
    if (wrong.length > 0) {
      lines.push("  wrong verdicts:");
      for (const j of wrong.slice(0, 50)) lines.push(`    ${j.caseId} ${j.question}: said ${j.verdict}, truth ${j.truth}`);
      if (wrong.length > 50) lines.push(`    … and ${wrong.length - 50} more (results.json)`);
    }
  }
  lines.push(`wall time ${(r.wallMs / 1000).toFixed(1)} s for ${r.results.length} cases at --parallel ${r.parallel}`);
  return `${lines.join("\n")}\n`;
}

const xml = (s: string): string =>
  s
    // XML 1.0 cannot carry these control characters at all.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");

/** Judgements by heuristic and case: the tables look each up once per cell. */
function judgementsByCase(r: DiagnoseReport): Map<string, Judgement[]> {
  const m = new Map<string, Judgement[]>();
  for (const j of r.judgements) {
    const k = `${j.heuristic}\u0000${j.caseId}`;
    const list = m.get(k);
    if (list) list.push(j);
    else m.set(k, [j]);
  }
  return m;
}

export function junitXml(r: DiagnoseReport): string {
  const byCase = judgementsByCase(r);
  const suites = r.heuristics.map((h) => {
    const cases: string[] = [];
    let failures = 0;
    let errors = 0;
    let skipped = 0;
    for (const c of r.results) {
      const run = c.runs[h];
      if (run?.status !== "ok") {
        // One test case for the run itself: its questions have no verdicts to judge.
        const why = !run ? (c.error ?? "not run") : run.status === "not-run" ? run.reason : runStatus(c, h);
        const detail =
          run && run.status !== "not-run" ? `${"reason" in run ? `${run.reason}\n` : ""}stderr:\n${run.stderr}\nstdout:\n${run.stdout}` : (c.error ?? "");
        errors++;
        cases.push(`    <testcase classname="${xml(`${h}.${c.case.id}`)}" name="run"><error message="${xml(why)}">${xml(detail)}</error></testcase>`);
        continue;
      }
      for (const j of byCase.get(`${h}\u0000${c.case.id}`) ?? []) {
        const name = xml(j.question);
        const cls = xml(`${h}.${c.case.id}`);
        const time = (run.ms / 1000).toFixed(3);
        if (j.outcome === "wrong") {
          failures++;
          cases.push(
            `    <testcase classname="${cls}" name="${name}" time="${time}"><failure message="${xml(`said ${j.verdict}, truth is ${j.truth}`)}">${xml(j.evidence)}</failure></testcase>`,
          );
        } else if (j.outcome === "right") cases.push(`    <testcase classname="${cls}" name="${name}" time="${time}"/>`);
        else {
          skipped++;
          cases.push(`    <testcase classname="${cls}" name="${name}" time="${time}"><skipped message="${xml(j.outcome)}"/></testcase>`);
        }
      }
    }
    return `  <testsuite name="${xml(h)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}">\n${cases.join("\n")}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${xml(`callpath diagnose ${r.matrix}`)}">\n${suites.join("\n")}\n</testsuites>\n`;
}

const html = xml;

function matrixHtml(s: QuestionScore): string {
  const shape = QUESTIONS[s.question].shape;
  const verdicts = [...new Set(Object.values(s.table).flatMap((row) => Object.keys(row)))].sort();
  const truths = Object.keys(s.table).sort();
  const max = Math.max(1, ...Object.values(s.table).flatMap((row) => Object.values(row)));
  const cell = (t: string, v: string): string => {
    const n = s.table[t]?.[v] ?? 0;
    const right = t === v;
    const tone = v === "inconclusive" || v === "(none)" ? "grey" : right ? "green" : "red";
    const alpha = n === 0 ? 0 : 0.15 + (0.6 * n) / max;
    return `<td class="${tone}" style="--a:${alpha.toFixed(2)}">${n || ""}</td>`;
  };
  const head = `<tr><th>truth \\ verdict</th>${verdicts.map((v) => `<th>${html(v)}</th>`).join("")}</tr>`;
  const rows = truths.map((t) => `<tr><th>${html(t)}</th>${verdicts.map((v) => cell(t, v)).join("")}</tr>`).join("");
  const figures =
    shape.type === "yes-no"
      ? `TP ${s.tp} · FP ${s.fp} · TN ${s.tn} · FN ${s.fn} · inconclusive ${s.inconclusive} · no verdict ${s.unanswered}`
      : `right ${s.right} · wrong ${s.wrong} · inconclusive ${s.inconclusive} · no verdict ${s.unanswered}`;
  return `<section class="q"><h3>${html(s.question)}</h3><p class="asks">${html(QUESTIONS[s.question].asks)}</p><table class="cm">${head}${rows}</table><p>${figures}<br>precision ${pct(s.precision)} · recall ${pct(s.recall)} · inconclusive rate ${pct(s.inconclusiveRate)}</p></section>`;
}

export function reportHtml(r: DiagnoseReport): string {
  const byCase = judgementsByCase(r);
  const parts: string[] = [];
  for (const h of r.heuristics) {
    parts.push(
      `<h2>${html(h)}</h2><div class="grid">${r.scores
        .filter((s) => s.heuristic === h)
        .map(matrixHtml)
        .join("")}</div>`,
    );
    const qs = [...new Set(r.scores.filter((s) => s.heuristic === h).map((s) => s.question))] as QuestionId[];
    const rows = r.results.map((c) => {
      const run = c.runs[h];
      const cells = qs.map((q) => {
        const j = (byCase.get(`${h}\u0000${c.case.id}`) ?? []).find((x) => x.question === q);
        if (!j) return "<td></td>";
        const cls = j.outcome === "right" ? "green" : j.outcome === "wrong" ? "red" : "grey";
        const said = j.verdict === null ? "—" : String(j.verdict);
        return `<td class="${cls}" style="--a:.35" title="${html(j.evidence)}">${html(said)}<br><small>truth ${html(String(j.truth))}</small></td>`;
      });
      const time = run && "ms" in run ? `${(run.ms / 1000).toFixed(1)} s` : "";
      return `<tr><th>${html(c.case.id)}</th><td>${html(runStatus(c, h))}</td><td>${time}</td>${cells.join("")}</tr>`;
    });
    parts.push(`<table class="cases"><tr><th>case</th><th>run</th><th>time</th>${qs.map((q) => `<th>${html(q)}</th>`).join("")}</tr>${rows.join("")}</table>`);
  }
  const style =
    "body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:center}" +
    ".green{background:rgba(40,160,60,var(--a))}.red{background:rgba(210,40,40,var(--a))}.grey{background:rgba(128,128,128,var(--a))}" +
    ".grid{display:flex;flex-wrap:wrap;gap:2em}.asks{color:#555;max-width:28em}.cases th{text-align:left}";
  return `<!doctype html><html><head><meta charset="utf-8"><title>callpath diagnose: ${html(r.matrix)}</title><style>${style}</style></head><body><h1>callpath diagnose: ${html(r.matrix)}</h1><p>${r.results.length} cases, ${r.heuristics.length} heuristic(s), ${(r.wallMs / 1000).toFixed(1)} s at --parallel ${r.parallel}</p>${parts.join("")}</body></html>\n`;
}

/** Writes results.json, junit.xml, index.html and summary.txt into `dir`; returns their paths. */
export async function writeReport(dir: string, r: DiagnoseReport): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: Array<[string, string]> = [
    ["results.json", `${JSON.stringify(r, null, 2)}\n`],
    ["junit.xml", junitXml(r)],
    ["index.html", reportHtml(r)],
    ["summary.txt", summaryText(r)],
  ];
  for (const [name, body] of files) await writeFile(join(dir, name), body);
  return files.map(([name]) => join(dir, name));
}
