// Profiles: default (local) and ci. Both write HTML, JUnit XML and message output under reports/.
const common = {
  paths: ["features/**/*.feature"],
  import: ["step-definitions/**/*.ts"],
  format: [
    "summary",
    "progress",
    "html:reports/cucumber.html",
    "junit:reports/junit.xml",
    "message:reports/messages.ndjson",
  ],
  formatOptions: { junit: { suiteName: "callpath" } },
};

export default { ...common };
export const ci = { ...common, format: [...common.format.filter((f) => f !== "progress"), "progress"], retry: 0 };
export const dry = { ...common, dryRun: true, format: ["summary"] };
