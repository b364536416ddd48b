// cucumber-js exits 0 from a dry run even when steps are undefined or ambiguous, so `--dry-run` alone
// proves nothing. This runs the dry profile through cucumber's API and fails on any such step, and on a
// step definition that no scenario uses.
// Usage: tsx scripts/dry-run.ts [feature paths...]   (default: the profile's paths)
import { loadConfiguration, runCucumber } from "@cucumber/cucumber/api";

const paths = process.argv.slice(2);
const { runConfiguration } = await loadConfiguration({ profiles: ["dry"], provided: paths.length > 0 ? { paths } : {} });
const steps = new Map<string, string>();
const pickles = new Map<string, { name: string; uri: string }>();
const testCases = new Map<string, string>();
const bad: string[] = [];
const definitions = new Map<string, string>();
const used = new Set<string>();
let scenarios = 0;
const { success } = await runCucumber(runConfiguration, undefined, (m) => {
  if (m.stepDefinition)
    definitions.set(
      m.stepDefinition.id,
      `${m.stepDefinition.pattern.source} (${m.stepDefinition.sourceReference.uri}:${m.stepDefinition.sourceReference.location?.line})`,
    );
  if (m.pickle) pickles.set(m.pickle.id, { name: m.pickle.name, uri: m.pickle.uri });
  if (m.pickle) for (const s of m.pickle.steps) steps.set(s.id, s.text);
  if (m.testCase) {
    scenarios++;
    testCases.set(m.testCase.id, m.testCase.pickleId);
    for (const ts of m.testCase.testSteps) {
      const text = ts.pickleStepId ? steps.get(ts.pickleStepId) : undefined;
      const p = pickles.get(m.testCase.pickleId);
      for (const id of ts.stepDefinitionIds ?? []) used.add(id);
      if (ts.pickleStepId && ts.stepDefinitionIds?.length === 0) bad.push(`${p?.uri}: "${p?.name}": undefined step: ${text}`);
      if ((ts.stepDefinitionIds?.length ?? 0) > 1) bad.push(`${p?.uri}: "${p?.name}": ambiguous step (${ts.stepDefinitionIds!.length} definitions): ${text}`);
    }
  }
});
// A step no scenario uses is dead code (checked on the whole suite only: a subset leaves steps unused).
if (paths.length === 0) for (const [id, what] of definitions) if (!used.has(id)) bad.push(`unused step definition: ${what}`);
for (const b of bad) process.stderr.write(`${b}\n`);
process.stdout.write(`dry run: ${scenarios} scenarios, ${bad.length} undefined, ambiguous or unused step(s)\n`);
process.exit(success && bad.length === 0 && scenarios > 0 ? 0 : 1);
