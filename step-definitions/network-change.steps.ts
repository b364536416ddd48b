import assert from "node:assert/strict";
import { When } from "@cucumber/cucumber";
import { natRouter, type NatRouterSpec } from "../src/kinds/nat-router/index.js";
import { forgetMappingsCommands } from "../src/kinds/nat-router/nat-behaviour.js";
import type { LabWorld } from "./support/world.js";

// A home router that reboots mid-call, as far as its NAT goes: its mappings are gone, its rules stay.
When("{node} forgets its NAT mappings", async function (this: LabWorld, router: string) {
  assert.ok(this.lab.nodesOf(natRouter).includes(router), `${router} is not a nat-router: ${this.lab.nodesOf(natRouter).join(", ") || "the lab has none"}`);
  const spec = this.lab.topology.nodes.get(router)!.spec as NatRouterSpec;
  for (const cmd of forgetMappingsCommands(spec.nat)) await this.lab.node(router).exec(cmd);
});
