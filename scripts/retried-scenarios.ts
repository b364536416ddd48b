// After a scenario run: the scenarios that failed an attempt and were run again (cucumber's `retry`, on in
// the ci profile), with the first failing step of each failed attempt. A pass on retry is still a pass, so
// this is how a flaky scenario stays visible instead of hiding behind a green run.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { PROJECT_ROOT } from "../src/lab/images.js";
import { retriedScenarios } from "./retried-scenarios-model.js";

const file = process.argv[2] ?? join(PROJECT_ROOT, "reports", "messages.ndjson");
const text = await readFile(file, "utf8").catch(() => "");
const retried = retriedScenarios(text);
if (retried.length === 0) process.stdout.write("callpath: no scenario needed a retry\n");
for (const r of retried)
  process.stdout.write(`callpath: RETRIED ${r.uri} "${r.name}": ${r.failedAttempts} failed attempt(s), then ${r.finalStatus}; first: ${r.firstFailure}\n`);
