import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "./command.js";
import { requireTerminal, shellArgs } from "./live-shell.js";

test("a shell is docker exec -it, bash where the image has it", () => {
  const args = shellArgs("2f6c1a574fd1aaaa");
  assert.deepEqual(args.slice(0, 2), ["exec", "-it"]);
  assert.ok(args.includes("2f6c1a574fd1aaaa"));
  assert.match(args.at(-1)!, /command -v bash .* exec bash; else exec sh/);
});

test("without a terminal it refuses, saying how to run one command instead", () => {
  assert.throws(
    () => requireTerminal(undefined, "nat1", "2f6c1a574fd1aaaa"),
    (e: Error) => e instanceof UsageError && /a shell in nat1 needs a terminal, and stdin is not one; .*docker exec 2f6c1a574fd1 <command>/.test(e.message),
  );
  requireTerminal(true, "nat1", "x");
});
