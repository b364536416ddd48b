import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ServiceClient } from "./client.js";
import { streamTransport } from "./lines.js";
import { ServiceServer } from "./server.js";
import { defineService } from "./service.js";
import { listenUnix } from "./unix-socket.js";

const Ping = defineService({ name: "ping", methods: { ping: { params: z.object({}), result: z.literal("pong") } }, events: {} });
const BRIDGE = fileURLToPath(new URL("./bridge-main.ts", import.meta.url));

test("the bridge waits for a daemon's socket to appear, then carries the protocol both ways", async () => {
  const path = join(mkdtempSync(join(tmpdir(), "cp-bridge-")), "run", "d.sock");
  const bridge = spawn(process.execPath, ["--import", "tsx", BRIDGE, path, "10000"], { stdio: ["pipe", "pipe", "inherit"] });
  const client = new ServiceClient(Ping, streamTransport(bridge.stdout, bridge.stdin), { peer: "daemon", timeoutMs: 10_000 });
  // Asked before the daemon exists: the bridge holds the bytes until it has connected.
  const answer = client.request("ping", {});
  await new Promise((r) => setTimeout(r, 300));
  const daemon = await listenUnix(path, new ServiceServer(Ping, { ping: () => "pong" as const }));
  assert.equal(await answer, "pong");
  client.close();
  await new Promise((r) => bridge.once("exit", r));
  daemon.close();
});

test("a bridge that finds no daemon within its limit exits and says why", async () => {
  const path = join(mkdtempSync(join(tmpdir(), "cp-bridge-")), "none.sock");
  const bridge = spawn(process.execPath, ["--import", "tsx", BRIDGE, path, "200"], { stdio: ["pipe", "pipe", "pipe"] });
  let err = "";
  bridge.stderr.on("data", (c: Buffer) => (err += c.toString()));
  const code = await new Promise((r) => bridge.once("exit", r));
  assert.equal(code, 1);
  assert.match(err, /cannot reach .*none\.sock: ENOENT/);
});
