import type { Sample } from "../dpi/payloads.js";
import type { StartedLab } from "../lab/started-lab.js";
import { withProbes } from "./probe-handle.js";

/** How long the listener waits, after the last send, for what is still in flight (or never comes). */
const GRACE_MS = 1000;

/**
 * Sends `count` copies of a sample from one node to another's address (UDP datagrams, or one TCP
 * connection carrying them) and returns how many arrived. The sender starts once the listener is bound.
 */
export async function crossings(lab: StartedLab, from: string, to: string, sample: Sample, count = 1, gapMs = 20): Promise<number> {
  const ip = lab.addressOf(to);
  const payloads = Array.from({ length: count }, () => sample.bytes().toString("base64"));
  const size = Buffer.from(payloads[0]!, "base64").length;
  return withProbes(lab, [to, from], async ([rx, tx]) => {
    const { listener } = await rx!.request("listen", { proto: sample.proto, ip, port: sample.port });
    await tx!.request("send", { proto: sample.proto, to: { ip, port: sample.port }, payloads, gapMs }, { timeoutMs: 10_000 + count * gapMs });
    const got = await rx!.request("collect", { listener, expect: sample.proto === "udp" ? count : count * size, graceMs: GRACE_MS });
    return sample.proto === "udp" ? got.datagrams : Math.floor(got.bytes / size);
  });
}
