import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { z } from "zod";
import { ServiceClient } from "./client.js";
import { ChannelClosedError, ProtocolError, RemoteError, RequestTimeoutError } from "./errors.js";
import { streamTransport, type LineTransport } from "./lines.js";
import { ServiceServer, subscribeMethod } from "./server.js";
import { defineService } from "./service.js";
import { connectUnix, listenUnix } from "./unix-socket.js";

const Echo = defineService({
  name: "echo",
  methods: {
    add: { params: z.object({ a: z.number(), b: z.number().default(1) }), result: z.object({ sum: z.number() }) },
    fail: { params: z.object({}), result: z.null() },
    lie: { params: z.object({}), result: z.object({ n: z.number() }) },
    never: { params: z.object({}), result: z.null() },
    subscribe: subscribeMethod,
  },
  events: { tick: z.object({ n: z.number() }) },
});

/** Two transports joined back to back, as the two ends of a docker exec's stdio are. */
function pipePair(): { client: LineTransport; server: LineTransport; toClient: PassThrough } {
  const up = new PassThrough();
  const down = new PassThrough();
  return { client: streamTransport(down, up), server: streamTransport(up, down), toClient: down };
}

function setup(historyLimit?: number) {
  const p = pipePair();
  const server = echoServer(historyLimit);
  server.attach(p.server);
  const client = new ServiceClient(Echo, p.client, { peer: "echo", timeoutMs: 1000 });
  return { toClient: p.toClient, raw: p.client, server, client };
}

/** The next `n` lines a bare transport receives. */
function nextLines(t: LineTransport, n: number): Promise<string[]> {
  const got: string[] = [];
  return new Promise((resolve) => t.onLine((l) => got.push(l) === n && resolve(got)));
}

/** A bare line transport to an echo program: to send what no ServiceClient would. */
function rawSetup(): LineTransport {
  const p = pipePair();
  echoServer().attach(p.server);
  return p.client;
}

function echoServer(historyLimit?: number) {
  return new ServiceServer(
    Echo,
    {
      add: ({ a, b }) => ({ sum: a + b }),
      fail: () => {
        throw new RangeError("out of range here");
      },
      lie: () => ({ n: "three" }) as unknown as { n: number },
      never: () => new Promise<null>(() => undefined),
      subscribe: ({ sinceSeq }, ctx) => ctx.replay(sinceSeq),
    },
    { historyLimit },
  );
}

test("a request round trip: typed result, defaults applied by the program", async () => {
  const { client } = setup();
  const r = await client.request("add", { a: 2 });
  assert.deepEqual(r, { sum: 3 });
});

test("invalid params are refused before sending, and by the program when a client sends them anyway", async () => {
  const { client } = setup();
  await assert.rejects(client.request("add", { a: "x" } as never), ProtocolError);
  const raw = rawSetup();
  const answers = nextLines(raw, 1);
  raw.send(`${JSON.stringify({ t: "req", id: 7, method: "add", params: { a: "x" } })}\n`);
  const res = (await answers).map((l) => JSON.parse(l)).find((m) => m.id === 7);
  assert.equal(res.ok, false);
  assert.equal(res.error.name, "ProtocolError");
  assert.match(res.error.message, /a: /);
});

test("a result the service does not allow fails at the program and at the client", async () => {
  const { client } = setup();
  await assert.rejects(client.request("lie", {}), (e: Error) => e instanceof RemoteError && e.remoteName === "ProtocolError");
  // A program that skips its own check is still caught by the client's.
  const p = pipePair();
  p.server.onLine((l) => p.server.send(`${JSON.stringify({ t: "res", id: JSON.parse(l).id, ok: true, result: { n: "three" } })}\n`));
  const c = new ServiceClient(Echo, p.client, { peer: "liar" });
  await assert.rejects(c.request("lie", {}), ProtocolError);
});

test("a remote error arrives typed, with the remote name, message and stack", async () => {
  const { client } = setup();
  const e = await client.request("fail", {}).catch((x: unknown) => x);
  assert.ok(e instanceof RemoteError);
  assert.equal(e.remoteName, "RangeError");
  assert.match(e.message, /out of range here/);
  assert.match(e.remoteStack ?? "", /protocol\.test\.ts/);
});

test("a request without an answer times out, and a closed channel fails what is pending", async () => {
  const { client, server: _s, toClient } = setup();
  await assert.rejects(client.request("never", {}, { timeoutMs: 30 }), RequestTimeoutError);
  const pending = client.request("never", {}, { timeoutMs: 5000 });
  toClient.end();
  await assert.rejects(pending, ChannelClosedError);
  await assert.rejects(client.request("add", { a: 1 }), ChannelClosedError);
});

test("events: listeners, waitFor on what already arrived since a mark, and on what comes later", async () => {
  const { client, server } = setup();
  const seen: number[] = [];
  client.on("tick", (d) => seen.push(d.n));
  server.emit("tick", { n: 1 });
  await client.request("add", { a: 0 }); // the event was sent before this answer: it has arrived
  const mark = client.mark();
  server.emit("tick", { n: 2 });
  await client.request("add", { a: 0 });
  assert.equal((await client.waitFor("tick", () => true, { timeoutMs: 100, since: mark })).n, 2);
  assert.equal((await client.waitFor("tick", (d) => d.n === 1, { timeoutMs: 100 })).n, 1);
  const later = client.waitFor("tick", (d) => d.n === 3, { timeoutMs: 500 });
  server.emit("tick", { n: 3 });
  assert.equal((await later).n, 3);
  assert.deepEqual(seen, [1, 2, 3]);
  await assert.rejects(
    client.waitFor("tick", (d) => d.n === 9, { timeoutMs: 20 }),
    RequestTimeoutError,
  );
  const ac = new AbortController();
  const aborted = client.waitFor("tick", () => false, { timeoutMs: 5000, signal: ac.signal });
  ac.abort(new Error("stop"));
  await assert.rejects(aborted, /stop/);
});

test("the program refuses to emit an event its service does not allow", () => {
  const { server } = setup();
  assert.throws(() => server.emit("tick", { n: "x" } as never), ProtocolError);
});

test("malformed lines: the program answers them as protocol errors; the client keeps them as problems", async () => {
  const { client, toClient } = setup();
  toClient.write("not json\n");
  toClient.write(`${JSON.stringify({ t: "evt", event: "tick", data: { n: "bad" } })}\n`);
  toClient.write(`${JSON.stringify({ t: "evt", event: "tock", data: {} })}\n`);
  toClient.write(`${JSON.stringify({ t: "res", id: 999, ok: true, result: null })}\n`);
  assert.deepEqual(await client.request("add", { a: 1, b: 1 }), { sum: 2 });
  assert.equal(client.problems().length, 4, client.problems().join("\n"));
  assert.equal(client.received("tick").length, 0);

  const raw = rawSetup();
  const lines = nextLines(raw, 2);
  raw.send("{oops\n");
  raw.send(`${JSON.stringify({ t: "req", id: 3, method: "nope", params: {} })}\n`);
  const msgs = (await lines).map((l) => JSON.parse(l));
  assert.equal(msgs[0].ok, false);
  assert.match(msgs[0].error.message, /not JSON/);
  assert.match(msgs[1].error.message, /no method "nope"/);
});

test("a daemon over a unix socket: a client that connects later replays the history from a sequence number", async () => {
  const path = join(mkdtempSync(join(tmpdir(), "cp-proto-")), "d.sock");
  const server = new ServiceServer(
    Echo,
    {
      add: ({ a, b }) => ({ sum: a + b }),
      fail: () => null,
      lie: () => ({ n: 1 }),
      never: () => null,
      subscribe: ({ sinceSeq }, ctx) => ctx.replay(sinceSeq),
    },
    { historyLimit: 3 },
  );
  const daemon = await listenUnix(path, server);
  for (const n of [1, 2, 3, 4]) server.emit("tick", { n });
  const client = new ServiceClient(Echo, await connectUnix(path), { peer: "daemon" });
  assert.deepEqual(await client.request("subscribe", { sinceSeq: 2 }), { replayed: 2, nextSeq: 4 });
  assert.deepEqual(
    client.received("tick").map((e) => [e.seq, e.data.n]),
    [
      [2, 3],
      [3, 4],
    ],
  );
  server.emit("tick", { n: 5 });
  assert.equal((await client.waitFor("tick", (d) => d.n === 5, { timeoutMs: 500 })).n, 5);
  client.close();
  daemon.close();
});

test("an event that arrives live and again in a replayed history is taken once", async () => {
  const { client, server } = setup(100);
  const seen: number[] = [];
  client.on("tick", (d) => seen.push(d.n));
  server.emit("tick", { n: 1 });
  server.emit("tick", { n: 2 });
  await client.request("subscribe", { sinceSeq: 0 });
  await client.request("add", { a: 0 });
  assert.deepEqual(seen, [1, 2]);
  assert.equal(client.received("tick").length, 2);
});
