import type { InspectPacket } from "./packets.js";

// STUN and TURN as the inspector groups them: transactions by transaction ID (RFC 5389 §6), each with
// its request copies and its answers, and which transport carried them (TLS when tshark saw it inside a
// TLS session, as callpath's captures with their key log let it).

export type StunClass = "request" | "indication" | "success" | "error";

export interface StunPacket extends InspectPacket {
  readonly stun: NonNullable<InspectPacket["stun"]>;
}

export function stunMethod(p: StunPacket): string {
  return p.stun.type.split(" ").slice(0, -1).join(" ");
}

export function stunClass(p: StunPacket): StunClass {
  return p.stun.type.split(" ").at(-1) as StunClass;
}

export function stunPackets(packets: readonly InspectPacket[]): StunPacket[] {
  return packets.filter((p): p is StunPacket => p.stun !== null && p.transport !== "icmp");
}

export function carrier(p: InspectPacket): "udp" | "tcp" | "tls" {
  return p.protocols.includes("tls") ? "tls" : p.transport === "tcp" ? "tcp" : "udp";
}

export interface StunTransaction {
  readonly id: string;
  readonly method: string;
  readonly requests: readonly StunPacket[];
  readonly answers: readonly StunPacket[];
  /** An ICE connectivity check (a Binding request with USERNAME), not a request to a STUN/TURN server. */
  readonly iceCheck: boolean;
}

export function stunTransactions(packets: readonly InspectPacket[]): StunTransaction[] {
  const groups = new Map<string, { requests: StunPacket[]; answers: StunPacket[] }>();
  for (const p of stunPackets(packets).sort((a, b) => a.time - b.time || a.no - b.no)) {
    const cls = stunClass(p);
    if (cls === "indication" || !p.stun.id) continue;
    const g = groups.get(p.stun.id) ?? { requests: [], answers: [] };
    (cls === "request" ? g.requests : g.answers).push(p);
    groups.set(p.stun.id, g);
  }
  const out: StunTransaction[] = [];
  for (const [id, g] of groups) {
    const first = g.requests[0];
    if (!first) continue;
    const method = stunMethod(first);
    out.push({ id, method, requests: g.requests, answers: g.answers, iceCheck: method === "Binding" && first.stunUsername !== null });
  }
  return out;
}
