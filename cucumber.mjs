// Profiles: default and ci run every scenario and write HTML, JUnit XML and message output under reports/;
// dry checks that every step of every feature has a definition, without Docker.
const common = {
  paths: ["features/**/*.feature"],
  import: ["step-definitions/**/*.ts"],
  format: ["progress", "html:reports/cucumber.html", "junit:reports/junit.xml", "message:reports/messages.ndjson"],
  formatOptions: { junit: { suiteName: "callpath" } },
};

export default common;
export const ci = { ...common, strict: true };
export const dry = { ...common, dryRun: true, strict: true, format: ["progress"] };
