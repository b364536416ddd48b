// bridge.mjs: stdio ↔ a daemon's unix socket, so the test process reaches a daemon in a node through one
// `docker exec`. It copies bytes and reads none of them: the protocol is the daemon's and the client's.
// A daemon just started may not have its socket yet: the bridge waits for the name to appear (a
// directory watch, not a poll), up to the limit in its second argument.
import { mkdirSync, watch } from "node:fs";
import { createConnection, type Socket } from "node:net";
import { basename, dirname } from "node:path";

const path = process.argv[2];
const waitMs = Number(process.argv[3] ?? 10_000);
if (!path) {
  process.stderr.write("usage: bridge.mjs <socket> [wait ms]\n");
  process.exit(2);
}

function connect(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createConnection(path!);
    s.once("connect", () => resolve(s));
    s.once("error", reject);
  });
}

async function open(): Promise<Socket> {
  const deadline = Date.now() + waitMs;
  mkdirSync(dirname(path!), { recursive: true });
  const watcher = watch(dirname(path!));
  try {
    for (;;) {
      const appeared = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        const onChange = (_t: string, name: string | Buffer | null): void => {
          if (String(name) !== basename(path!)) return;
          watcher.off("change", onChange);
          clearTimeout(timer);
          resolve();
        };
        watcher.on("change", onChange);
      });
      try {
        return await connect();
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== "ENOENT" || Date.now() >= deadline) throw new Error(`cannot reach ${path}: ${code ?? (e as Error).message}`);
      }
      await appeared;
    }
  } finally {
    watcher.close();
  }
}

open().then(
  (socket) => {
    process.stdin.pipe(socket);
    socket.pipe(process.stdout);
    socket.on("close", () => process.exit(0));
    process.stdin.on("end", () => socket.end());
  },
  (e: Error) => {
    process.stderr.write(`bridge: ${e.message}\n`);
    process.exit(1);
  },
);
