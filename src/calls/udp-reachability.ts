import type { StartedLab } from "../lab/started-lab.js";

// Which outside endpoints can reach an inside host's UDP mapping: the RFC 4787 filtering test, run with the
// Node inside the agent image (user agents and the mirror), so nothing but lab traffic is sent.

const NODE = "/usr/local/bin/node";
export const PROBE_PORT = 4000;

export interface Sender {
  readonly node: string;
  readonly port: number;
}

/**
 * `inside` opens a mapping by sending to `peer`, then each sender sends one datagram to the router's
 * public address and the inside host's port. Returns the labels ("node:port") of those that arrived.
 */
export async function reachableFrom(lab: StartedLab, inside: string, router: string, wan: string, peer: Sender, senders: readonly Sender[]): Promise<string[]> {
  const peerIp = lab.addressOf(peer.node);
  const listen = lab.node(inside).exec([
    NODE,
    "-e",
    `const s=require("dgram").createSocket("udp4");s.on("message",(m)=>console.log(String(m)));` +
      `s.bind(${PROBE_PORT},()=>s.send("open",${peer.port},"${peerIp}"));setTimeout(()=>process.exit(0),2500)`,
  ]);
  await new Promise((r) => setTimeout(r, 600));
  const target = lab.addressOf(router, wan);
  for (const s of senders) {
    await lab.node(s.node).exec([
      NODE,
      "-e",
      `const s=require("dgram").createSocket("udp4");s.bind(${s.port},()=>s.send("${s.node}:${s.port}",${PROBE_PORT},"${target}",()=>setTimeout(()=>process.exit(0),50)))`,
    ]);
  }
  return (await listen).split("\n").map((l) => l.trim()).filter(Boolean);
}
