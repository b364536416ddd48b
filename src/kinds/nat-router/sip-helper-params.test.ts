import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { claimSipHelperParams, SIP_HELPER_DEFAULTS, type ParamHost } from "./sip-helper-params.js";

async function fakeHost(alive = (_pid: number) => true): Promise<ParamHost & { read(k: string): Promise<string> }> {
  const dir = await mkdtemp(join(tmpdir(), "cp-sip-"));
  for (const [k, v] of Object.entries(SIP_HELPER_DEFAULTS)) await writeFile(join(dir, k), `${v}\n`);
  return { paramDir: dir, lockFile: join(dir, "lock"), alive, read: (k) => readFile(join(dir, k), "utf8") };
}

const wanted = { ...SIP_HELPER_DEFAULTS, sip_direct_media: 0 };

test("non-default values are set, locked, and put back by the undo", async () => {
  const host = await fakeHost();
  const undo = await claimSipHelperParams("lab1", wanted, host);
  assert.ok(undo);
  assert.equal((await host.read("sip_direct_media")).trim(), "0");
  assert.match(await readFile(host.lockFile, "utf8"), /"lab":"lab1"/);
  await undo();
  assert.equal((await host.read("sip_direct_media")).trim(), "1");
  await assert.rejects(readFile(host.lockFile, "utf8"));
});

test("a second lab is refused while the first holds changed values, whatever it wants", async () => {
  const host = await fakeHost();
  const undo = await claimSipHelperParams("lab1", wanted, host);
  await assert.rejects(claimSipHelperParams("lab2", wanted, host), /held by lab lab1/);
  await assert.rejects(claimSipHelperParams("lab2", { ...SIP_HELPER_DEFAULTS }, host), /held by lab lab1/);
  await undo!();
  assert.equal(await claimSipHelperParams("lab2", { ...SIP_HELPER_DEFAULTS }, host), undefined, "defaults need no lock");
});

test("a crashed run's lock and values are cleaned up", async () => {
  const host = await fakeHost((pid) => pid !== 999_999);
  await writeFile(host.lockFile, JSON.stringify({ lab: "dead", pid: 999_999, params: wanted }));
  await writeFile(join(host.paramDir, "sip_direct_media"), "0\n");
  assert.equal(await claimSipHelperParams("lab3", { ...SIP_HELPER_DEFAULTS }, host), undefined);
  assert.equal((await host.read("sip_direct_media")).trim(), "1");
});

test("changed values that no lab holds are reported, not silently used", async () => {
  const host = await fakeHost();
  await writeFile(join(host.paramDir, "sip_direct_signalling"), "0\n");
  await assert.rejects(claimSipHelperParams("lab4", { ...SIP_HELPER_DEFAULTS }, host), /not the defaults/);
});
