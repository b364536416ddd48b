// The SIP mirror: a node on the "internet" that answers every SIP request, over UDP and over TCP, with
// exactly what arrived. Diffing that against what the sender wrote shows what the path (an ALG) rewrote.
import dgram from "node:dgram";
import net from "node:net";
import { ServiceServer } from "../protocol/server.js";
import { listenUnix } from "../protocol/unix-socket.js";
import { mirrorResponse } from "./mirror-response.js";
import { MIRROR_SOCKET, MirrorService } from "./mirror-service.js";
import { SipStreamFramer } from "../common/sip-stream-framer.js";

const ports = (process.argv[2] ?? "5060").split(",").map(Number);
const server = new ServiceServer(MirrorService, { subscribe: (p, ctx) => ctx.replay(p.sinceSeq) }, { historyLimit: 10_000 });
/** A TCP connection that says nothing for this long is closed: the mirror holds no idle streams. */
const TCP_IDLE_MS = 30_000;

function mirrored(proto: "udp" | "tcp", port: number, msg: Buffer, from: string): Buffer | undefined {
  const answer = mirrorResponse(msg, from);
  process.stdout.write(`mirror: ${answer ? "mirrored" : "ignored"} ${msg.length} bytes from ${from} on ${proto} ${port}\n`);
  server.emit("received", { proto, port, from, bytes: msg.length, answered: answer !== undefined });
  return answer;
}

for (const port of ports) {
  const socket = dgram.createSocket("udp4");
  socket.on("message", (msg, rinfo) => {
    const answer = mirrored("udp", port, msg, `${rinfo.address}:${rinfo.port}`);
    if (answer) socket.send(answer, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(port, resolve));
  process.stdout.write(`mirror: listening on udp ${port}\n`);
  server.emit("listening", { proto: "udp", port });

  // Over TCP each request is framed by its Content-Length and answered on the connection it came on.
  const tcp = net.createServer((conn) => {
    const from = `${conn.remoteAddress?.replace(/^::ffff:/, "")}:${conn.remotePort}`;
    const framer = new SipStreamFramer();
    conn.setTimeout(TCP_IDLE_MS, () => conn.destroy());
    conn.on("error", () => conn.destroy());
    conn.on("data", (chunk) => {
      const { messages, error } = framer.push(chunk);
      for (const m of messages) {
        const answer = mirrored("tcp", port, m, from);
        if (answer) conn.write(answer);
      }
      if (error) {
        process.stdout.write(`mirror: closing tcp ${port} stream from ${from}: ${error}\n`);
        // destroy, not end: an ended socket keeps reading, and the stuck buffer would keep growing.
        conn.destroy();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once("error", reject);
    tcp.listen(port, "0.0.0.0", () => resolve());
  });
  process.stdout.write(`mirror: listening on tcp ${port}\n`);
  server.emit("listening", { proto: "tcp", port });
}
// Every port is bound before the socket appears: a client that reaches it can send.
await listenUnix(MIRROR_SOCKET, server);
