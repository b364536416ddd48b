import assert from "node:assert/strict";
import { Then } from "@cucumber/cucumber";
import { interfaceLookup } from "../src/lab/interface-script.js";
import type { LabWorld } from "./support/world.js";

// A link end's MTU as the node's kernel has it: the interface holding its address on that network.
Then("{node}'s link on {word} has MTU {int}", async function (this: LabWorld, node: string, network: string, mtu: number) {
  const ip = this.lab.addressOf(node, network);
  const out = await this.lab.node(node).exec(["sh", "-ec", `${interfaceLookup("IF", ip)}\ncat "/sys/class/net/$IF/mtu"`]);
  assert.equal(Number(out.trim()), mtu, `${node}'s interface on ${network} (${ip}) has MTU ${out.trim()}`);
});
