import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { test } from "node:test";
import { linkMtuLines, nftLoad } from "./interface-script.js";

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

test("linkMtuLines: each link end's interface found by its address, then its MTU set", () => {
  const lines = linkMtuLines({ internet: 1492, lan1: 9000 }, (n) => ({ internet: "198.51.100.2", lan1: "10.123.0.1" })[n]);
  assert.equal(lines.length, 4);
  assert.match(lines[0]!, /show to 198\.51\.100\.2\/32/);
  assert.equal(lines[1], 'ip link set dev "$IF" mtu 1492');
  assert.match(lines[2]!, /show to 10\.123\.0\.1\/32/);
  assert.equal(lines[3], 'ip link set dev "$IF" mtu 9000');
  assert.deepEqual(
    linkMtuLines({}, () => undefined),
    [],
  );
  assert.throws(() => linkMtuLines({ wan: 1492 }, () => undefined), /no address on network "wan"/);
  assert.throws(() => linkMtuLines({ internet: 1e9 }, () => "198.51.100.2"), /not an integer from 576 to 9000/);
});
