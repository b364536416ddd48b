import type { StartedLab } from "../lab/started-lab.js";
import { withProbes } from "./probe-handle.js";

// Which outside endpoints can reach an inside host's UDP mapping: the RFC 4787 filtering test.

export const PROBE_PORT = 4000;

export interface Sender {
  readonly node: string;
  readonly port: number;
}

/** How long the inside host listens after the last sender: lab paths answer in milliseconds. */
const GRACE_MS = 1000;

/**
 * `inside` opens a mapping by sending to `peer` from its listening socket, then each sender sends one
 * datagram to the router's public address and the inside host's port. Returns the labels ("node:port")
 * of those that arrived.
 */
export async function reachableFrom(lab: StartedLab, inside: string, router: string, peer: Sender, senders: readonly Sender[]): Promise<string[]> {
  const target = lab.publicAddressOf(router);
  return withProbes(lab, [inside, ...senders.map((s) => s.node)], async ([rx, ...txs]) => {
    const open = { ip: lab.addressOf(peer.node), port: peer.port, text: "open" };
    const { listener } = await rx!.request("listen", { proto: "udp", port: PROBE_PORT, mode: "text", open });
    for (const [i, s] of senders.entries()) {
      await txs[i]!.request("send", {
        proto: "udp",
        to: { ip: target, port: PROBE_PORT },
        fromPort: s.port,
        payloads: [Buffer.from(`${s.node}:${s.port}`).toString("base64")],
      });
    }
    return (await rx!.request("collect", { listener, graceMs: GRACE_MS })).texts;
  });
}

/** Sends one UDP datagram from `from` (source port `port`) to `to`: a request from a box the phone never contacted. */
export async function sendDatagram(lab: StartedLab, from: string, port: number, to: { ip: string; port: number }, payload: string): Promise<void> {
  await withProbes(lab, [from], ([tx]) => tx!.request("send", { proto: "udp", to, fromPort: port, payloads: [Buffer.from(payload).toString("base64")] }));
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
