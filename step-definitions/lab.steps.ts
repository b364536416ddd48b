import { Given } from "@cucumber/cucumber";
import type { LabWorld } from "./support/world.js";

Given("the {string} topology is running", { timeout: 120_000 }, async function (this: LabWorld, name: string) {
  await this.startLab(name);
});
