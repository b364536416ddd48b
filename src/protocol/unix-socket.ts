import { mkdirSync, renameSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { dirname } from "node:path";
import { streamTransport, type LineTransport } from "./lines.js";
import type { ServiceServer } from "./server.js";
import type { ServiceDef } from "./service.js";

/**
 * Serves `server` on a unix socket: long-lived daemons in a node, which outlive any one test process. The
 * socket appears under its name only once it listens (bound under a temporary name, then renamed), so a
 * client that finds it can connect.
 */
export function listenUnix<S extends ServiceDef>(path: string, server: ServiceServer<S>): Promise<{ close(): void }> {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  rmSync(temporary, { force: true });
  const net = createServer((socket) => server.attach(streamTransport(socket, socket, () => socket.end())));
  return new Promise((resolve, reject) => {
    net.once("error", reject);
    net.listen(temporary, () => {
      renameSync(temporary, path);
      resolve({ close: () => net.close() });
    });
  });
}

export function connectUnix(path: string): Promise<LineTransport> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(streamTransport(socket, socket, () => socket.end()));
    });
  });
}
