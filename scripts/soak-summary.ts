import type { Envelope } from "@cucumber/messages";

/** One cucumber-js run: its exit code, how long it took, and its message stream (NDJSON). */
export interface RunResult {
  readonly run: number;
  readonly exitCode: number | null;
  readonly seconds: number;
  readonly messages: string;
}

export interface ScenarioTally {
  readonly scenario: string;
  readonly uri: string;
  passed: number;
  runs: number;
  readonly failures: string[];
}

/** Per scenario (feature file and name): in how many runs it passed, and the first line of each failure. */
export function soakSummary(runs: readonly RunResult[]): { json: { runs: Array<Omit<RunResult, "messages">>; scenarios: ScenarioTally[] }; markdown: string } {
  const tallies = new Map<string, ScenarioTally>();
  for (const run of runs) {
    const pickles = new Map<string, { name: string; uri: string }>();
    const caseToPickle = new Map<string, string>();
    const attemptWorst = new Map<string, { status: string; message?: string }>();
    const attemptCase = new Map<string, string>();
    for (const line of run.messages.split("\n")) {
      if (!line.trim()) continue;
      const m = JSON.parse(line) as Envelope;
      if (m.pickle) pickles.set(m.pickle.id, { name: m.pickle.name, uri: m.pickle.uri });
      if (m.testCase) caseToPickle.set(m.testCase.id, m.testCase.pickleId);
      if (m.testCaseStarted) attemptCase.set(m.testCaseStarted.id, m.testCaseStarted.testCaseId);
      if (m.testStepFinished) {
        const r = m.testStepFinished.testStepResult;
        const prev = attemptWorst.get(m.testStepFinished.testCaseStartedId);
        if (!prev || (prev.status === "PASSED" && r.status !== "PASSED")) attemptWorst.set(m.testStepFinished.testCaseStartedId, r);
      }
    }
    // Ids differ from run to run and names repeat (outline rows, the same title under two rules): a
    // scenario is its file, its name and which occurrence of that name it is, in document order.
    const occurrence = new Map<string, number>();
    const keyOf = new Map<string, { key: string; label: string }>();
    for (const [id, p] of pickles) {
      const base = `${p.uri}\u0000${p.name}`;
      const n = (occurrence.get(base) ?? 0) + 1;
      occurrence.set(base, n);
      keyOf.set(id, { key: `${base}\u0000${n}`, label: n > 1 ? `${p.name} (#${n})` : p.name });
    }
    // Per scenario and run: its last attempt (retries), or "did not run" when it never started.
    const lastAttempt = new Map<string, { status: string; message?: string }>();
    for (const [attempt, worst] of attemptWorst) lastAttempt.set(caseToPickle.get(attemptCase.get(attempt)!)!, worst);
    // Pickles that a tag or name filter left out have no test case: they were never meant to run.
    const scheduled = new Set(caseToPickle.values());
    for (const [pickleId, pickle] of pickles) {
      if (!scheduled.has(pickleId)) continue;
      const { key, label } = keyOf.get(pickleId)!;
      const worst = lastAttempt.get(pickleId) ?? { status: "NOT RUN" };
      const t = tallies.get(key) ?? { scenario: label, uri: pickle.uri, passed: 0, runs: 0, failures: [] };
      t.runs++;
      if (worst.status === "PASSED") t.passed++;
      else t.failures.push(`run ${run.run}: ${worst.status}${worst.message ? `: ${worst.message.split("\n")[0]!.slice(0, 300)}` : ""}`);
      tallies.set(key, t);
    }
  }
  // A run that never got as far as this scenario (cucumber crashed, BeforeAll failed) counts against it.
  for (const t of tallies.values()) {
    if (t.runs < runs.length) t.failures.push(`${runs.length - t.runs} run(s): NOT RUN (absent from the run's messages)`);
    t.runs = runs.length;
  }
  const scenarios = [...tallies.values()].sort((a, b) => a.uri.localeCompare(b.uri) || a.scenario.localeCompare(b.scenario));
  const flaky = scenarios.filter((s) => s.passed < s.runs);
  const lines = [
    `${scenarios.length} scenarios × ${runs.length} run(s); ${scenarios.length - flaky.length} passed every run; run times ${runs.map((r) => `${Math.round(r.seconds)} s`).join(", ")}`,
    "",
    "| feature | scenario | passed |",
    "|---|---|---|",
    ...scenarios.map((s) => `| ${s.uri.replace(/^features\//, "")} | ${s.scenario.replaceAll("|", "\\|")} | ${s.passed}/${s.runs} |`),
    "",
    ...(flaky.length > 0 ? ["Failures:", "", ...flaky.flatMap((s) => [`- ${s.uri}: ${s.scenario}`, ...s.failures.map((f) => `  - ${f}`)]), ""] : []),
  ];
  return { json: { runs: runs.map(({ messages: _m, ...r }) => r), scenarios }, markdown: `${lines.join("\n")}\n` };
}
