// The SIP mirror: a node on the "internet" that answers every SIP request over UDP with exactly what
// arrived. Diffing that against what the sender wrote shows what the path (an ALG) rewrote.
import dgram from "node:dgram";
import { mirrorResponse } from "./mirror-response.js";

const ports = (process.argv[2] ?? "5060").split(",").map(Number);
for (const port of ports) {
  const socket = dgram.createSocket("udp4");
  socket.on("message", (msg, rinfo) => {
    const source = `${rinfo.address}:${rinfo.port}`;
    const answer = mirrorResponse(msg, source);
    process.stdout.write(`CALLPATH-MIRROR ${answer ? "mirrored" : "ignored"} ${msg.length} bytes from ${source} on ${port}\n`);
    if (answer) socket.send(answer, rinfo.port, rinfo.address);
  });
  socket.bind(port, () => process.stdout.write(`CALLPATH-MIRROR listening on udp ${port}\n`));
}
