// Profiles: default and ci run every scenario and write HTML, JUnit XML and message output under reports/;
// dry checks that every step of every feature has a definition, without Docker.
import { register } from "tsx/esm/api";

// The step definitions are TypeScript: tsx compiles them as cucumber-js imports them, so a plain
// `npx cucumber-js` works with no NODE_OPTIONS. Parallel workers are child processes that do not read this
// file; they inherit the environment, so they get tsx through NODE_OPTIONS.
register();
if (!/--import[= ]tsx\b/.test(process.env.NODE_OPTIONS ?? "")) process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ""} --import tsx`.trim();

const common = {
  paths: ["features/**/*.feature"],
  import: ["step-definitions/**/*.ts"],
  format: ["progress", "html:reports/cucumber.html", "junit:reports/junit.xml", "message:reports/messages.ndjson"],
  formatOptions: { junit: { suiteName: "callpath" } },
};

export default common;
// CI retries a failed scenario once: these scenarios measure real timing on a shared 2-core host, where a
// rare late packet can fail a sound scenario. A retry is never silent: scripts/retried-scenarios.ts lists
// every scenario that needed one, with its first failure, after the run (and RELIABILITY.md keeps count).
// Two workers: a scenario that mostly waits on a timer (@waits) runs beside one that works, which is where
// a 2-core host has time to spare; step-definitions/support/parallel.ts says what may run beside what.
export const ci = { ...common, strict: true, retry: 1, parallel: 2 };
/** scripts/capture-ci.ts: a scenario that fails on purpose, its reports apart from the suite's. */
export const captureCi = {
  ...common,
  paths: ["scripts/capture-ci/*.feature"],
  format: ["progress", "html:reports/capture-ci/cucumber.html", "message:reports/capture-ci/messages.ndjson"],
};
export const dry = { ...common, dryRun: true, strict: true, format: ["progress"] };
