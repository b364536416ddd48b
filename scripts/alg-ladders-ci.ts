// CI's check of the ALG ladders (npm run test:alg-ladders, after test:scenarios): every scenario of
// features/sip-alg.feature keeps its capture (@capture), and for each one the ladder must show, at every
// ALG on the calling agent's path, exactly the fields that ALG rewrites of that agent's INVITE: all of them
// for the kernel helper, the profile's own for a faulty ALG, none when a mitigation takes the SIP out of its
// sight (5080, TLS, WSS); and of the agent's REGISTERs, Via and Contact, with refreshes that an ALG which
// drops them marks as entering it and never leaving. The expectation comes from the topology (the diagnose ground truth and the ALG's
// rules), not from the ladder. A scenario with no INVITE to judge by is listed as such, never skipped unsaid.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { algExpectations, checkAlgLadder } from "../src/capture/alg-expectation.js";
import type { Ladder } from "../src/capture/ladder.js";
import { builtinKinds } from "../src/kinds/builtin.js";
import { PROJECT_ROOT } from "../src/lab/images.js";
import { loadTopology } from "../src/topology/load.js";

const FEATURE = "features/sip-alg.feature";
const MESSAGES = join(PROJECT_ROOT, "reports", "messages.ndjson");

interface Pickle {
  id: string;
  uri: string;
  name: string;
  steps: Array<{ text: string; argument?: { dataTable?: { rows: Array<{ cells: Array<{ value: string }> }> } } }>;
}
interface Envelope {
  pickle?: Pickle;
  testCase?: { id: string; pickleId: string };
  testCaseStarted?: { id: string; testCaseId: string };
  attachment?: { testCaseStartedId?: string; mediaType: string; fileName?: string; body: string };
}

const text = await readFile(MESSAGES, "utf8").catch(() => {
  process.stderr.write(`test:alg-ladders: no ${MESSAGES}: run the scenarios first (npm run test:scenarios)\n`);
  process.exit(1);
});
const messages = text
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Envelope);
const pickles = new Map(messages.flatMap((m) => (m.pickle ? [[m.pickle.id, m.pickle] as const] : [])));
const caseToPickle = new Map(messages.flatMap((m) => (m.testCase ? [[m.testCase.id, m.testCase.pickleId] as const] : [])));
// The last attempt of each scenario (a retried one has several).
const startedToPickle = new Map(
  messages.flatMap((m) => (m.testCaseStarted ? [[m.testCaseStarted.id, caseToPickle.get(m.testCaseStarted.testCaseId)!] as const] : [])),
);
const ladders = new Map<string, Ladder>();
for (const m of messages) {
  const a = m.attachment;
  if (!a?.testCaseStartedId || a.mediaType !== "application/json" || !a.fileName?.endsWith("-ladder.json")) continue;
  ladders.set(startedToPickle.get(a.testCaseStartedId)!, JSON.parse(a.body) as Ladder);
}

const problems: string[] = [];
let judged = 0;
const scenarios = [...pickles.values()].filter((p) => p.uri === FEATURE);
if (scenarios.length === 0) problems.push(`no scenario of ${FEATURE} in ${MESSAGES}`);
for (const p of scenarios) {
  const first = p.steps[0]!;
  const name = /^the "([^"]+)" topology is running/.exec(first.text)?.[1];
  if (!name) {
    problems.push(`${p.name}: its first step starts no topology`);
    continue;
  }
  const overrides = (first.argument?.dataTable?.rows ?? []).map((r) => [r.cells[0]!.value.trim(), r.cells[1]!.value.trim()] as const);
  const topology = await loadTopology(join(PROJECT_ROOT, "topologies", `${name}.yaml`), builtinKinds(), overrides);
  const ladder = ladders.get(p.id);
  if (!ladder) {
    problems.push(`${p.name}: no ladder attached (is the feature tagged @capture, and did capture run?)`);
    continue;
  }
  const seats = [...topology.nodes.values()].filter((n) => n.kind === "user-agent").map((n) => n.name);
  for (const seat of seats) {
    const expected = algExpectations(topology, seat);
    if (expected.length === 0) continue;
    const found = checkAlgLadder(ladder, expected, seat);
    const label = `${p.name} [${seat}: ${expected.map((e) => `${e.box} → ${e.own.fields.join(",") || "nothing"}`).join("; ")}]`;
    if (found === null) process.stdout.write(`n/a: ${label}: ${seat} sent no INVITE or REGISTER\n`);
    else if (found.length === 0) {
      judged++;
      process.stdout.write(`ok: ${label}\n`);
    } else problems.push(...found.map((f) => `${label}: ${f}`));
  }
}
if (judged === 0) problems.push("no ALG ladder was judged");
if (problems.length > 0) {
  process.stderr.write(`test:alg-ladders: ${problems.length} problem(s):\n  ${problems.join("\n  ")}\n`);
  process.exit(1);
}
process.stdout.write(`test:alg-ladders: ${judged} ladder(s) show each ALG's rewrites at the router that made them\n`);
