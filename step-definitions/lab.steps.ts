import { Given, When, type DataTable } from "@cucumber/cucumber";
import type { LabWorld } from "./support/world.js";

Given("the {string} topology is running", { timeout: 120_000 }, async function (this: LabWorld, name: string) {
  await this.startLab(name);
});

// A variant of a topology: each row is a dotted path and a YAML value, checked like the file itself.
Given("the {string} topology is running with:", { timeout: 120_000 }, async function (this: LabWorld, name: string, table: DataTable) {
  await this.startLab(
    name,
    table.raw().map(([path, value]) => [path!.trim(), value!.trim()] as const),
  );
});

When("{duration} pass(es)", { timeout: 600_000 }, async function (this: LabWorld, ms: number) {
  await new Promise((r) => setTimeout(r, ms));
});
