import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { validateText } from "../../cli/validate.js";
import { PROJECT_ROOT } from "../../lab/images.js";
import { generateCases } from "./generate.js";

// Every generated bad topology must be rejected with clean `file: path: message` lines, quickly, without
// anything but a TopologyError; every valid variant must be accepted (so the check is not "reject all").

const PER_CASE_MS = 2000;
const TOTAL_MS = 30_000;
const HEAP_GROWTH_BYTES = 512 * 1024 * 1024;
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const bases = readdirSync(join(PROJECT_ROOT, "topologies"))
  .filter((f) => f.endsWith(".yaml"))
  .sort()
  .map((f) => ({ name: f.replace(/\.yaml$/, ""), text: readFileSync(join(PROJECT_ROOT, "topologies", f), "utf8") }));

// A real hang must fail the run, not stall it: the test as a whole has a limit too.
test("fuzz: every bad topology is rejected cleanly and in time; every valid one is accepted", { timeout: 120_000 }, () => {
  const cases = generateCases(bases, 12, 1000);
  assert.ok(cases.filter((c) => c.expect === "reject").length >= 1000, `${cases.length} cases`);
  const one = (): string[] => generateCases(bases.slice(0, 1), 7, 0).map((c) => c.text);
  assert.deepEqual(one(), one(), "deterministic for a seed");
  const failures: string[] = [];
  const tally = { cases: cases.length, rejected: 0, accepted: 0, crashes: 0, hangs: 0, wronglyAccepted: 0, wronglyRejected: 0, badLines: 0 };
  const heapBefore = process.memoryUsage().heapUsed;
  let heapPeak = heapBefore;
  const start = performance.now();
  for (const c of cases) {
    const t0 = performance.now();
    const r = validateText(c.id, c.text, { occupied: () => [] });
    const ms = performance.now() - t0;
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    const fail = (why: string): void => void failures.push(`${c.id} (${c.cls}): ${why}`);
    // The one timing check: a hang detector, with a generous budget per case.
    if (ms > PER_CASE_MS) {
      tally.hangs++;
      fail(`took ${ms.toFixed(0)} ms`);
    }
    if (r.ok) {
      tally.accepted++;
      if (c.expect === "reject") {
        tally.wronglyAccepted++;
        fail(`accepted (${r.summary})`);
      }
      continue;
    }
    tally.rejected++;
    if (r.internal) {
      tally.crashes++;
      fail(`threw something other than a TopologyError: ${r.lines.join(" | ")}`);
      continue;
    }
    if (c.expect === "accept") {
      tally.wronglyRejected++;
      fail(`rejected: ${r.lines.slice(0, 3).join(" | ")}`);
    }
    assert.ok(r.lines.length >= 1 && r.lines.length <= 101, `${c.id}: ${r.lines.length} lines`);
    const prefix = `${c.id}: `;
    const parsed = r.lines.map((l) => (l.startsWith(prefix) ? /^(.+?): (.+)$/.exec(l.slice(prefix.length)) : null));
    for (const [i, m] of parsed.entries()) {
      const line = r.lines[i]!;
      if (!m || m[2]!.trim() === "" || RAW_CONTROL.test(line) || line.includes("\n") || line.length > 1000) {
        tally.badLines++;
        fail(`not a clean file: path: message line: ${JSON.stringify(line.slice(0, 200))}`);
      }
      if (m && /^Invalid input|expected \w+, received/.test(m[2]!)) fail(`zod's own message: ${line.slice(0, 200)}`);
    }
    if (c.path !== undefined && !parsed.some((m) => m && m[1]!.startsWith(c.path!))) fail(`no problem names ${c.path}: ${r.lines.slice(0, 3).join(" | ")}`);
  }
  const total = performance.now() - start;
  const accepts = cases.filter((c) => c.expect === "accept").length;
  process.stdout.write(
    `fuzz: ${tally.cases} cases, ${tally.rejected} rejected, ${tally.accepted} accepted (${accepts} valid), ${tally.crashes} crashes, ${tally.hangs} hangs, ${tally.wronglyAccepted} wrongly accepted, ${tally.wronglyRejected} wrongly rejected, ${(total / 1000).toFixed(1)} s, heap peak +${((heapPeak - heapBefore) / 1048576).toFixed(0)} MiB\n`,
  );
  assert.deepEqual(failures.slice(0, 20), [], `${failures.length} failures`);
  assert.ok(total < TOTAL_MS, `the whole run took ${total.toFixed(0)} ms`);
  assert.ok(heapPeak - heapBefore < HEAP_GROWTH_BYTES, `heap grew ${heapPeak - heapBefore} bytes`);
  assert.ok(accepts >= bases.length * 5 && tally.accepted === accepts);
});
