import assert from "node:assert/strict";
import { Then } from "@cucumber/cucumber";
import { grantedExpires } from "../src/calls/granted-expires.js";
import { userOf } from "../src/kinds/user-agent/index.js";
import type { LabWorld } from "./support/world.js";

// What the registrar granted, as the agent itself received it (the Contact's expires in its last 2xx).
Then("{node}'s registration was granted for {int} seconds", async function (this: LabWorld, ua: string, seconds: number) {
  const granted = grantedExpires(await this.lab.agent(ua).trace(), userOf(ua, this.lab.topology));
  assert.equal(granted, seconds, `${ua}'s registration was granted for ${granted ?? "no"} seconds, not ${seconds}`);
});
