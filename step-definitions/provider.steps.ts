import assert from "node:assert/strict";
import { Then } from "@cucumber/cucumber";
import { registeredFrom } from "../src/agent/keepalive.js";
import { grantedExpires } from "../src/calls/granted-expires.js";
import { userOf } from "../src/kinds/user-agent/index.js";
import type { LabWorld } from "./support/world.js";

// What the registrar granted, as the agent itself received it (the Contact's expires in its last 2xx).
Then("{node}'s registration was granted for {int} seconds", async function (this: LabWorld, ua: string, seconds: number) {
  const granted = grantedExpires(await this.lab.agent(ua).trace(), userOf(ua, this.lab.topology));
  assert.equal(granted, seconds, `${ua}'s registration was granted for ${granted ?? "no"} seconds, not ${seconds}`);
});

// Where a request really came from, as the agent received it: the provider's registrar or its edge proxy
// (the second address of a server with `inbound: edge`).
const PROVIDER_ADDRESS_ROLES = ["registrar", "edge"] as const;

Then("{node} received the {word} from {node}'s {word} address", async function (this: LabWorld, ua: string, method: string, server: string, role: string) {
  const index = PROVIDER_ADDRESS_ROLES.indexOf(role as (typeof PROVIDER_ADDRESS_ROLES)[number]);
  assert.ok(index >= 0, `"${role}" is not an address of a provider: ${PROVIDER_ADDRESS_ROLES.join(" | ")}`);
  const address = this.lab.addressesOf(server)[index];
  assert.ok(address, `${server} has no ${role} address (is its inbound: edge?)`);
  const arrived = (await this.lab.agent(ua).trace()).filter((e) => e.direction === "received" && e.firstLine.startsWith(`${method} `));
  assert.ok(arrived.length > 0, `${ua} received no ${method}`);
  const from = [...new Set(arrived.map((e) => e.peer.replace(/:\d+$/, "")))];
  assert.deepEqual(from, [address], `${ua}'s ${method} came from ${from.join(", ")}, not ${server}'s ${role} address ${address}`);
});

// What the phone's keep-alives learnt, as the agent counted them. "Answered": every one but the last,
// which may still be on its way; "unanswered": not one.
Then(/^(\S+)'s keep-alives (were answered|went unanswered)$/, async function (this: LabWorld, ua: string, how: string) {
  const stats = await this.lab.agent(ua).keepalives();
  assert.ok(stats && stats.sent > 0, `${ua} sent no keep-alives (its sip.keepalive)`);
  const summary = `${ua}'s ${stats.kind} keep-alives: ${stats.answered} of ${stats.sent} answered`;
  if (how === "went unanswered") assert.equal(stats.answered, 0, summary);
  else assert.ok(stats.answered >= stats.sent - 1 && stats.answered > 0, summary);
});

Then("{node} registered again when its public address changed", async function (this: LabWorld, ua: string) {
  const stats = await this.lab.agent(ua).keepalives();
  assert.ok(stats && stats.addressChanges > 0, `${ua}'s keep-alives saw no change of its public address: ${JSON.stringify(stats)}`);
  // Where the registrar saw each granted REGISTER come from, read by the agent's own parser of those 2xx.
  const from = (await this.lab.agent(ua).trace()).flatMap((e) => (e.direction === "received" ? (registeredFrom(e.raw) ?? []) : []));
  assert.ok(new Set(from).size >= 2, `${ua} was registered from ${[...new Set(from)].join(", ") || "nowhere"}: no registration from its new address`);
});
