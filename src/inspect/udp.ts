import { isPrivate } from "./address.js";
import { type CaptureInfo, count, endpoint, evidence, type Evidence, type Finding, seenAt, stoppedIn } from "./finding.js";
import type { InspectPacket } from "./packets.js";
import { sipLabel, transactions } from "./sip.js";
import { carrier, stunTransactions } from "./stun.js";

// UDP that goes out and never gets an answer, while TCP or TLS from the same host does (CONDITIONS.md B:
// deep UDP restriction). The requests are SIP over UDP and STUN/TURN requests to servers; ICE checks to
// peers are counted apart, since a peer may simply be unreachable. A host some UDP answer did reach is
// not UDP-blocked, whatever else went unanswered.

interface Client {
  sip: InspectPacket[][];
  stun: InspectPacket[][];
  iceChecks: number;
  udpAnswered: number;
  worked: Map<string, InspectPacket>;
}

export function udpFindings(packets: readonly InspectPacket[], info: CaptureInfo): Finding[] {
  const clients = new Map<string, Client>();
  const client = (address: string): Client => {
    let c = clients.get(address);
    if (!c) clients.set(address, (c = { sip: [], stun: [], iceChecks: 0, udpAnswered: 0, worked: new Map() }));
    return c;
  };
  for (const t of transactions(packets)) {
    const first = t.requests[0]!;
    const c = client(first.src);
    const over = carrier(first);
    if (over === "udp") {
      if (t.responses.length > 0) c.udpAnswered++;
      else c.sip.push([...t.requests]);
    } else if (t.responses.length > 0 && !c.worked.has(`sip-${over}`)) c.worked.set(`sip-${over}`, t.responses[0]!);
  }
  for (const t of stunTransactions(packets)) {
    const first = t.requests[0]!;
    const c = client(first.src);
    const over = carrier(first);
    if (over === "udp") {
      if (t.answers.length > 0) c.udpAnswered++;
      else if (t.iceCheck) c.iceChecks++;
      else c.stun.push([...t.requests]);
    } else if (t.answers.length > 0 && !c.worked.has(`stun-${over}`)) c.worked.set(`stun-${over}`, t.answers[0]!);
  }
  // TLS sessions and TCP connections that were answered: a ServerHello or a SYN-ACK to the host. And
  // any UDP from another host reaching it: UDP is not blocked for a host it reaches (a proxy whose
  // forwarded request went unanswered still gets its REGISTERs). Not from one private address to
  // another: an ICE check to a host candidate on someone else's LAN is captured where it was sent and
  // never arrives.
  for (const p of packets) {
    const c = clients.get(p.dst);
    if (!c) continue;
    if (p.transport === "udp" && p.src !== p.dst && !(isPrivate(p.src) && isPrivate(p.dst)) && (p.sip || p.stun || p.rtp || p.channel !== null))
      c.udpAnswered++;
    if (p.tls?.types.includes(2) && !c.worked.has(`tls-${p.src}:${p.sport}`)) c.worked.set(`tls-${p.src}:${p.sport}`, p);
    else if (p.tcp?.syn && p.tcp.ack && !c.worked.has(`tcp-${p.src}:${p.sport}`)) c.worked.set(`tcp-${p.src}:${p.sport}`, p);
  }

  const out: Finding[] = [];
  for (const [address, c] of clients) {
    const unanswered = [...c.sip, ...c.stun];
    const tries = unanswered.reduce((n, copies) => n + new Set(copies.map((p) => Math.round(p.time * 5))).size, 0);
    if (c.udpAnswered > 0 || unanswered.length === 0 || tries < 2) continue;
    const firsts = unanswered.map((copies) => copies[0]!);
    const byKind = new Map<string, number>();
    for (const p of firsts) {
      const what = p.sip ? `SIP ${p.sip.method}` : p.stun ? `STUN ${p.stun.type.replace(/ request$/, "")}` : "UDP";
      byKind.set(what, (byKind.get(what) ?? 0) + 1);
    }
    const servers = [...new Set(firsts.map((p) => endpoint(p.dst, p.dport)))];
    const worked = [...c.worked.entries()];
    const workedText = worked.map(([k, p]) => {
      const [what] = k.split("-");
      return what === "tls"
        ? `TLS with ${endpoint(p.src, p.sport)}${p.tls?.serverName ? ` (${p.tls.serverName})` : ""}`
        : what === "tcp"
          ? `a TCP connection to ${endpoint(p.src, p.sport)}`
          : `${what === "sip" ? "SIP" : "STUN/TURN"} over ${k.split("-")[1]!.toUpperCase()} (answer from ${endpoint(p.src, p.sport)})`;
    });
    const seen = seenAt(unanswered.flat());
    const stops = stoppedIn(unanswered.flat(), info, packets);
    const stuck = stops.map((s) => s.text);
    const ev: Evidence[] = firsts
      .slice(0, 4)
      .map((p) => evidence(p, info.start, `${p.sip ? sipLabel(p as never) : (p.stun?.type ?? "UDP")} over UDP: no answer`));
    for (const [, p] of worked.slice(0, 3))
      ev.push(
        evidence(
          p,
          info.start,
          p.tls
            ? "TLS ServerHello: TLS works"
            : p.tcp?.syn
              ? "SYN-ACK: TCP connects"
              : `${p.stun?.type ?? p.sip?.firstLine} over ${carrier(p).toUpperCase()}: answered`,
        ),
      );
    const kinds = [...byKind.entries()].map(([k, n]) => `${n} ${k}`).join(", ");
    out.push({
      family: "udp",
      id: "udp-unanswered",
      severity: "problem",
      title:
        worked.length > 0
          ? `UDP from ${address} gets no answer (${kinds}), while ${workedText[0]} works: UDP is blocked`
          : `UDP from ${address} gets no answer (${kinds}), and nothing else was answered either`,
      detail: [
        `${count(unanswered.length, "request")} over UDP to ${servers.join(", ")} (${count(tries, "transmission")}) got no answer, and no UDP answer reached ${address} at all${c.iceChecks > 0 ? `; ${count(c.iceChecks, "ICE connectivity check")} over UDP went unanswered too` : ""}.`,
        worked.length > 0
          ? `Over TCP/TLS the same host got answers: ${workedText.join("; ")}. A path that passes TCP and drops UDP is a firewall blocking UDP (CONDITIONS.md B).`
          : "Nothing over TCP or TLS was answered either: UDP may be blocked, or the server may be unreachable or down.",
        stuck.length > 0 ? `The requests went into ${stuck.join("; ")}.` : seen.length > 0 ? `Captured at ${seen.join(", ")} only.` : "",
      ]
        .filter(Boolean)
        .join(" "),
      evidence: ev,
      facts: {
        kind: "udp-unanswered",
        client: address,
        sip: c.sip.length,
        stun: c.stun.length,
        streamOk: [...new Set(worked.map(([k]) => (k.startsWith("tls-") ? "tls" : k.startsWith("tcp-") ? "tcp" : k)))],
        udpAnswered: c.udpAnswered,
        iceChecks: c.iceChecks,
        droppedIn: stops.filter((s) => !s.tunnelled).map((s) => s.node),
      },
    });
  }
  return out;
}
