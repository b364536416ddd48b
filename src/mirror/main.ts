// The SIP mirror: a node on the "internet" that answers every SIP request over UDP with exactly what
// arrived. Diffing that against what the sender wrote shows what the path (an ALG) rewrote.
import dgram from "node:dgram";
import { ServiceServer } from "../protocol/server.js";
import { listenUnix } from "../protocol/unix-socket.js";
import { mirrorResponse } from "./mirror-response.js";
import { MIRROR_SOCKET, MirrorService } from "./mirror-service.js";

const ports = (process.argv[2] ?? "5060").split(",").map(Number);
const server = new ServiceServer(MirrorService, { subscribe: (p, ctx) => ctx.replay(p.sinceSeq) }, { historyLimit: 10_000 });

for (const port of ports) {
  const socket = dgram.createSocket("udp4");
  socket.on("message", (msg, rinfo) => {
    const from = `${rinfo.address}:${rinfo.port}`;
    const answer = mirrorResponse(msg, from);
    process.stdout.write(`mirror: ${answer ? "mirrored" : "ignored"} ${msg.length} bytes from ${from} on ${port}\n`);
    server.emit("received", { port, from, bytes: msg.length, answered: answer !== undefined });
    if (answer) socket.send(answer, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(port, resolve));
  process.stdout.write(`mirror: listening on udp ${port}\n`);
  server.emit("listening", { port });
}
// Every port is bound before the socket appears: a client that reaches it can send.
await listenUnix(MIRROR_SOCKET, server);
