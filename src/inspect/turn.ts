import { type CaptureInfo, count, endpoint, evidence, type Evidence, type Finding } from "./finding.js";
import type { InspectPacket } from "./packets.js";
import { carrier, stunClass, stunMethod, stunTransactions } from "./stun.js";

// TURN (RFC 8656): which transport each client's Allocate used and how it ended (a 401 is the normal
// challenge before the authenticated request; anything else is an error of its own), and whether media
// then went through the relay (ChannelData, Send and Data indications), over which transport.

const ERROR_NAMES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthenticated",
  403: "Forbidden",
  420: "Unknown Attribute",
  437: "Allocation Mismatch",
  438: "Stale Nonce",
  440: "Address Family not Supported",
  441: "Wrong Credentials",
  442: "Unsupported Transport Protocol",
  486: "Allocation Quota Reached",
  500: "Server Error",
  508: "Insufficient Capacity",
};

export function turnFindings(packets: readonly InspectPacket[], info: CaptureInfo): Finding[] {
  const out: Finding[] = [];
  const allocations = new Map<string, { client: string; server: string; over: "udp" | "tcp" | "tls"; ts: ReturnType<typeof stunTransactions> }>();
  for (const t of stunTransactions(packets)) {
    if (t.method !== "Allocate") continue;
    const first = t.requests[0]!;
    const over = carrier(first);
    const key = `${first.src}|${endpoint(first.dst, first.dport)}|${over}`;
    const a = allocations.get(key) ?? { client: first.src, server: endpoint(first.dst, first.dport), over, ts: [] };
    a.ts.push(t);
    allocations.set(key, a);
  }
  const relayedClients = new Map<string, "udp" | "tcp" | "tls">();
  for (const a of allocations.values()) {
    const answers = a.ts.flatMap((t) => t.answers);
    const success = answers.find((p) => stunClass(p) === "success");
    const errors = answers.filter((p) => stunClass(p) === "error");
    const real = errors.find((p) => p.stunError !== 401 && p.stunError !== 438);
    const outcome = success ? "success" : real || errors.length > 0 ? "error" : "no-answer";
    const code = real?.stunError ?? errors[0]?.stunError ?? null;
    const ev: Evidence[] = [evidence(a.ts[0]!.requests[0]!, info.start, `Allocate request over ${a.over.toUpperCase()}`)];
    if (errors[0])
      ev.push(evidence(errors[0], info.start, `Allocate error ${errors[0].stunError ?? "?"} ${ERROR_NAMES[errors[0].stunError ?? 0] ?? ""}`.trim()));
    if (real && real !== errors[0]) ev.push(evidence(real, info.start, `Allocate error ${real.stunError} ${ERROR_NAMES[real.stunError ?? 0] ?? ""}`.trim()));
    if (success) ev.push(evidence(success, info.start, "Allocate success: a relayed address"));
    if (success) relayedClients.set(a.client, a.over);
    const over = a.over.toUpperCase();
    out.push({
      family: "turn",
      id: "turn-allocate",
      severity: outcome === "success" ? "context" : "problem",
      title:
        outcome === "success"
          ? `${a.client} allocated a TURN relay at ${a.server} over ${over}`
          : outcome === "error"
            ? `TURN over ${over} from ${a.client} to ${a.server} failed: error ${code}${code && ERROR_NAMES[code] ? ` ${ERROR_NAMES[code]}` : ""}`
            : `TURN over ${over} from ${a.client} to ${a.server}: ${count(a.ts.length, "Allocate request")}, no answer`,
      detail:
        outcome === "success"
          ? `${count(a.ts.length, "Allocate transaction")} over ${over}${errors.some((e) => e.stunError === 401) ? ", the first challenged with 401 (the normal long-term credential exchange)" : ""}, then success. Media may go through this relay.`
          : outcome === "error"
            ? `The server answered the Allocate with ${code}${code === 401 ? " and no authenticated request followed or succeeded: the credentials were refused or never sent" : ""}.`
            : `None of the Allocate requests over ${over} was answered: the server is unreachable over ${over} from here.`,
      evidence: ev,
      facts: { kind: "turn", client: a.client, transport: a.over, server: a.server, outcome, error: code },
    });
  }
  // Media through a relay, counted on the client's side of it (one hop: packets from or to the client).
  const media = new Map<string, { channelData: InspectPacket[]; indications: InspectPacket[] }>();
  const clients = new Set(relayedClients.keys());
  const add = (p: InspectPacket, k: "channelData" | "indications"): void => {
    const client = clients.has(p.src) ? p.src : clients.has(p.dst) ? p.dst : null;
    if (!client) return;
    const key = `${client}|${carrier(p)}`;
    const m = media.get(key) ?? { channelData: [], indications: [] };
    m[k].push(p);
    media.set(key, m);
  };
  const once = new Set<string>();
  for (const p of packets) {
    if (p.transport === "icmp") continue;
    // A copy of the same packet on the other end of the link is one packet.
    const wire = `${p.src}|${p.sport}|${p.dst}|${p.dport}|${p.ipId}|${p.length}|${p.channel ?? p.stun?.id ?? ""}`;
    if (p.transport === "udp" && once.has(wire)) continue;
    once.add(wire);
    if (p.channel !== null && p.channel >= 0x4000 && p.channel <= 0x7fff) add(p, "channelData");
    else if (p.stun && stunClass(p as never) === "indication" && ["Send", "Data"].includes(stunMethod(p as never))) add(p, "indications");
  }
  for (const [key, m] of media) {
    const [client, over] = key.split("|") as [string, "udp" | "tcp" | "tls"];
    const all = [...m.channelData, ...m.indications].sort((a, b) => a.time - b.time);
    const sent = all.filter((p) => p.src === client).length;
    out.push({
      family: "turn",
      id: "turn-media",
      severity: "context",
      title: `media through the TURN relay over ${over.toUpperCase()}: ${count(m.channelData.length, "ChannelData message")}, ${count(m.indications.length, "Send/Data indication")} at ${client}`,
      detail: `${sent} sent by ${client}, ${all.length - sent} received, from ${(all[0]!.time - info.start).toFixed(1)} s to ${(all.at(-1)!.time - info.start).toFixed(1)} s.${over !== "udp" ? ` Media over ${over.toUpperCase()} survives a UDP block but every lost segment holds back the audio behind it (jitter).` : ""}`,
      evidence: [all[0]!, all.find((p) => p.src !== all[0]!.src), all.at(-1)!]
        .filter((p): p is InspectPacket => p !== undefined)
        .map((p) => evidence(p, info.start, p.channel !== null ? `ChannelData channel 0x${p.channel.toString(16)}` : `${p.stun!.type}`)),
      facts: { kind: "turn-media", client, transport: over, channelData: m.channelData.length, indications: m.indications.length },
    });
  }
  return out;
}
