// Reads cucumber's message stream for retried attempts: pure, so it is tested on a handful of envelopes.

export interface RetriedScenario {
  readonly uri: string;
  readonly name: string;
  readonly failedAttempts: number;
  /** The last attempt's outcome: PASSED when the retry hid a failure. */
  readonly finalStatus: string;
  readonly firstFailure: string;
}

interface Envelope {
  pickle?: { id: string; uri: string; name: string };
  testCase?: { id: string; pickleId: string };
  testCaseStarted?: { id: string; testCaseId: string; attempt: number };
  testStepFinished?: { testCaseStartedId: string; testStepResult: { status: string; message?: string } };
  testCaseFinished?: { testCaseStartedId: string; willBeRetried: boolean };
}

export function retriedScenarios(ndjson: string): RetriedScenario[] {
  const messages = ndjson
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Envelope);
  const pickles = new Map(messages.flatMap((m) => (m.pickle ? [[m.pickle.id, m.pickle] as const] : [])));
  const cases = new Map(messages.flatMap((m) => (m.testCase ? [[m.testCase.id, m.testCase.pickleId] as const] : [])));
  const started = new Map(messages.flatMap((m) => (m.testCaseStarted ? [[m.testCaseStarted.id, m.testCaseStarted] as const] : [])));
  // Per started attempt: its worst step status and first failure message.
  const attempt = new Map<string, { status: string; message: string }>();
  for (const m of messages) {
    const f = m.testStepFinished;
    if (!f || f.testStepResult.status === "PASSED" || attempt.has(f.testCaseStartedId)) continue;
    attempt.set(f.testCaseStartedId, { status: f.testStepResult.status, message: (f.testStepResult.message ?? "").split("\n")[0]! });
  }
  const byPickle = new Map<string, { failed: number; first: string; last: string }>();
  for (const m of messages) {
    const f = m.testCaseFinished;
    if (!f) continue;
    const s = started.get(f.testCaseStartedId);
    const pickleId = s && cases.get(s.testCaseId);
    if (!pickleId) continue;
    const result = attempt.get(f.testCaseStartedId);
    const entry = byPickle.get(pickleId) ?? { failed: 0, first: "", last: "PASSED" };
    if (result && f.willBeRetried) {
      entry.failed++;
      entry.first ||= result.message;
    }
    if (!f.willBeRetried) entry.last = result?.status ?? "PASSED";
    byPickle.set(pickleId, entry);
  }
  return [...byPickle.entries()]
    .filter(([, e]) => e.failed > 0)
    .map(([id, e]) => {
      const p = pickles.get(id);
      return { uri: p?.uri ?? "?", name: p?.name ?? id, failedAttempts: e.failed, finalStatus: e.last, firstFailure: e.first };
    });
}
