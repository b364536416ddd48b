import assert from "node:assert/strict";
import { test } from "node:test";
import { tableSwap } from "./table-swap.js";

test("a table swap is one transaction: the table made sure of, deleted, declared anew", () => {
  const ruleset = "table ip callpath_nat {\n  chain post { type nat hook postrouting priority srcnat; }\n}";
  assert.deepEqual(tableSwap("ip", "callpath_nat", ruleset).split("\n").slice(0, 3), [
    "add table ip callpath_nat",
    "delete table ip callpath_nat",
    "table ip callpath_nat {",
  ]);
});

test("no ruleset leaves no table; the delete stays valid when there was none", () => {
  assert.equal(tableSwap("inet", "callpath_fw", null), "add table inet callpath_fw\ndelete table inet callpath_fw");
});

test("a ruleset for another table, or a name nft would misread, is refused", () => {
  assert.throws(() => tableSwap("ip", "callpath_nat", "table inet callpath_nat {}"), /does not declare table ip callpath_nat/);
  assert.throws(() => tableSwap("ip", "callpath_nat", "table ip callpath_nat_old {}"), /does not declare/);
  assert.throws(() => tableSwap("ip", "nat; flush ruleset", null), /letters, digits and _ only/);
});
