import assert from "node:assert/strict";
import { When } from "@cucumber/cucumber";
import { parse } from "yaml";
import { formatIssues, LabError } from "../src/common/errors.js";
import type { NodeRuntime } from "../src/kinds/kind.js";
import { AlgSpec, changeAlg, changeFirewall, changeNat, natRouter, type NatRouterSpec } from "../src/kinds/nat-router/index.js";
import { FirewallSpec } from "../src/kinds/nat-router/firewall.js";
import { PARSE_PARAMS, zodIssues } from "../src/topology/load.js";
import { forgetMappingsCommands, NAT_PRESET_NAMES, type NatPreset } from "../src/kinds/nat-router/nat-behaviour.js";
import type { LabWorld } from "./support/world.js";

/** The node as a nat-router, or an error that names the lab's nat-routers. */
function natRouterOf(world: LabWorld, router: string): NodeRuntime<NatRouterSpec> {
  const routers = world.lab.nodesOf(natRouter);
  assert.ok(routers.includes(router), `${router} is not a nat-router: ${routers.join(", ") || "the lab has none"}`);
  return world.lab.node(router) as NodeRuntime<NatRouterSpec>;
}

// A home router that reboots mid-call, as far as its NAT goes: its mappings are gone, its rules stay.
When("{node} forgets its NAT mappings", async function (this: LabWorld, router: string) {
  const rt = natRouterOf(this, router);
  for (const cmd of forgetMappingsCommands(this.natInForce.get(router) ?? rt.node.spec.nat)) await rt.exec(cmd);
});

// A firmware update that changes how the router maps and filters: the next flows get the new behaviour.
When("{node}'s NAT changes to {word}", async function (this: LabWorld, router: string, preset: string) {
  const rt = natRouterOf(this, router);
  if (!(NAT_PRESET_NAMES as readonly string[]).includes(preset))
    throw new LabError(`nodes.${router}.nat cannot change to "${preset}": must be one of ${NAT_PRESET_NAMES.join(" | ")}`);
  await changeNat(rt, preset as NatPreset);
  this.natInForce.set(router, preset as NatPreset);
});

// IT changes the firewall mid-scenario: a baseline call and a restricted one on the same line. The YAML is
// the topology's `firewall` field, checked the same way (path, valid choices).
When("{node}'s firewall changes to:", async function (this: LabWorld, router: string, yaml: string) {
  const rt = natRouterOf(this, router);
  let value: unknown;
  try {
    value = parse(yaml) ?? {};
  } catch (e) {
    throw new LabError(`${router}'s new firewall is not YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  const parsed = FirewallSpec.safeParse(value, PARSE_PARAMS);
  if (!parsed.success)
    throw new LabError(`${router}'s firewall cannot change to that:\n${formatIssues("the step's YAML", zodIssues(parsed.error, `nodes.${router}.firewall`))}`);
  await changeFirewall(rt, parsed.data);
});

// The router's "SIP ALG" switched on, off or to another behaviour mid-scenario: the call before and the
// call after on the same line. A word is the topology's `alg` value (off, netfilter, a profile); YAML after
// the colon is the field's full form ({ profile, rules } or { netfilter }), checked the same way.
async function algChange(world: LabWorld, router: string, value: unknown): Promise<void> {
  const rt = natRouterOf(world, router);
  const parsed = AlgSpec.safeParse(value, PARSE_PARAMS);
  if (!parsed.success)
    throw new LabError(`${router}'s ALG cannot change to that:\n${formatIssues("the step's YAML", zodIssues(parsed.error, `nodes.${router}.alg`))}`);
  await changeAlg(rt, parsed.data);
}

When(/^(\S+)'s ALG changes to (\S+)$/, async function (this: LabWorld, router: string, value: string) {
  await algChange(this, router, value);
});

When("{node}'s ALG changes to:", async function (this: LabWorld, router: string, yaml: string) {
  let value: unknown;
  try {
    value = parse(yaml);
  } catch (e) {
    throw new LabError(`${router}'s new ALG is not YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  await algChange(this, router, value);
});
