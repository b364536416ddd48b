import type { StartedLab } from "../lab/started-lab.js";
import { runNodeScript } from "./node-script.js";

// Which outside endpoints can reach an inside host's UDP mapping: the RFC 4787 filtering test.

export const PROBE_PORT = 4000;

export interface Sender {
  readonly node: string;
  readonly port: number;
}

/**
 * `inside` opens a mapping by sending to `peer`, then each sender sends one datagram to the router's
 * public address and the inside host's port. Returns the labels ("node:port") of those that arrived.
 */
export async function reachableFrom(lab: StartedLab, inside: string, router: string, peer: Sender, senders: readonly Sender[]): Promise<string[]> {
  const peerIp = lab.addressOf(peer.node);
  const listen = runNodeScript(lab, inside, `const s=require("dgram").createSocket("udp4");s.on("message",(m)=>console.log(String(m)));` +
      `s.bind(${PROBE_PORT},()=>s.send("open",${peer.port},"${peerIp}"));setTimeout(()=>process.exit(0),2500)`);
  await new Promise((r) => setTimeout(r, 600));
  const target = lab.publicAddressOf(router);
  for (const s of senders) {
    await runNodeScript(lab, s.node, `const s=require("dgram").createSocket("udp4");s.bind(${s.port},()=>s.send("${s.node}:${s.port}",${PROBE_PORT},"${target}",()=>setTimeout(()=>process.exit(0),50)))`);
  }
  return (await listen).split("\n").map((l) => l.trim()).filter(Boolean);
}

/** Sends one UDP datagram from `from` (source port `port`) to `to`: a request from a box the phone never contacted. */
export async function sendDatagram(lab: StartedLab, from: string, port: number, to: { ip: string; port: number }, payload: string): Promise<void> {
  const b64 = Buffer.from(payload).toString("base64");
  await runNodeScript(lab, from, `const s=require("dgram").createSocket("udp4");s.bind(${port},()=>s.send(Buffer.from("${b64}","base64"),${to.port},"${to.ip}",()=>setTimeout(()=>process.exit(0),50)))`);
}

/** An OPTIONS request for `user` at `target` ("ip:port"), from a proxy at `source` ("ip:port"). */
export function strayOptions(user: string, target: string, source: string, callId: string): string {
  return [
    `OPTIONS sip:${user}@${target} SIP/2.0`,
    `Via: SIP/2.0/UDP ${source};branch=z9hG4bK${callId}`,
    "Max-Forwards: 70",
    `From: <sip:proxy2@${source}>;tag=${callId}`,
    `To: <sip:${user}@${target}>`,
    `Call-ID: ${callId}`,
    "CSeq: 1 OPTIONS",
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");
}
