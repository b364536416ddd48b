import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { test } from "node:test";
import { nftLoad } from "./interface-script.js";

const run = (script: string, env: Record<string, string>): string => {
  const r = spawnSync("sh", ["-ec", script], { encoding: "utf8", env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env } });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
};

test("an nft ruleset goes through a quoted heredoc: only the interface variables are put in", () => {
  const marker = `/tmp/callpath-heredoc-${process.pid}`;
  rmSync(marker, { force: true });
  const ruleset = [`iifname "$LAN_IF" oifname "$WAN_IF" accept`, `ip daddr { $(touch ${marker}) } \`touch ${marker}\` $HOME drop`].join("\n");
  const out = run(nftLoad(ruleset, ["LAN_IF", "WAN_IF"], "cat"), { LAN_IF: "eth1", WAN_IF: "eth0" });
  assert.equal(out, [`iifname "eth1" oifname "eth0" accept`, `ip daddr { $(touch ${marker}) } \`touch ${marker}\` $HOME drop`, ""].join("\n"));
  assert.equal(existsSync(marker), false, "nothing in the ruleset ran");
  assert.equal(run(nftLoad("table ip t { }", [], "cat"), {}), "table ip t { }\n");
});

test("a ruleset cannot end the heredoc early", () => {
  assert.throws(() => nftLoad("a\nCALLPATH_NFT\ntouch /tmp/x"), /may not hold/);
});
