import { type AlgProfile, count, type Finding } from "./finding.js";
import type { InspectPacket } from "./packets.js";
import { transactions } from "./sip.js";
import { carrier } from "./stun.js";

// From findings to causes: which of CONDITIONS.md's mechanisms the capture shows, how sure that is, and
// the findings that show it. "certain": the capture holds the mechanism itself (the same request before
// and after the box that rewrote it; UDP vanishing inside a box that passes TCP). "likely": the pattern
// fits it and nothing in the capture contradicts it. "possible": a symptom whose cause the capture does
// not show.

export type CauseId = "sip-alg" | "udp-blocked" | "fragments-dropped" | "one-way-audio" | "media-cut" | "no-answer" | "turn-failed";
export type Confidence = "certain" | "likely" | "possible";

export interface Cause {
  readonly id: CauseId;
  readonly confidence: Confidence;
  readonly title: string;
  readonly because: string;
  /** Indexes into the findings list (0-based). */
  readonly findings: readonly number[];
  /** For sip-alg: the ALG behaviour the skeleton builds. */
  readonly alg?: AlgProfile;
}

const ALG_TITLES: Record<AlgProfile, string> = {
  "headers-not-sdp": "a SIP ALG that rewrites Via/Contact but leaves the SDP private (headers-not-sdp)",
  netfilter: "a SIP ALG that rewrites every address (the kernel's SIP helper, netfilter)",
  "wrong-contact-port": "a SIP ALG that rewrites Contact with the wrong port (wrong-contact-port)",
  "content-length-unfixed": "a SIP ALG that rewrites the SDP but not Content-Length (content-length-unfixed)",
  unknown: "a SIP ALG",
};

export function causes(findings: readonly Finding[], packets: readonly InspectPacket[]): Cause[] {
  const out: Cause[] = [];
  const used = new Set<number>();
  const idx = (pred: (f: Finding) => boolean): number[] => findings.flatMap((f, i) => (pred(f) ? [i] : []));
  const oneWay = idx((f) => f.id === "rtp-one-way");
  const privateSdp = idx((f) => f.id === "sdp-private-on-public-side");

  // SIP ALG.
  const rewrites = idx((f) => f.facts.kind === "alg");
  if (rewrites.length > 0) {
    const f = findings[rewrites[0]!]!;
    const facts = f.facts as Extract<Finding["facts"], { kind: "alg" }>;
    // What each profile breaks: audio to the private SDP; requests to the Contact's wrong port (and the
    // caller's 408 on the same call).
    const toBox = findings.flatMap((g) => (g.facts.kind === "sip-timeout" && g.facts.to === facts.publicAddress ? [g.facts.callId] : []));
    const unreached = idx((g) => g.facts.kind === "sip-timeout" && toBox.includes(g.facts.callId));
    const symptoms = facts.profile === "headers-not-sdp" ? [...oneWay, ...privateSdp] : facts.profile === "wrong-contact-port" ? unreached : [];
    out.push({
      id: "sip-alg",
      confidence: facts.bothSides ? "certain" : "likely",
      title: ALG_TITLES[facts.profile],
      because: `${f.title}.${
        symptoms.length === 0
          ? ""
          : facts.profile === "headers-not-sdp"
            ? " The one-way audio follows from it: the far end sends its RTP to the private address in the SDP."
            : " The unanswered requests follow from it: the server sends them to the Contact's port, where nobody listens."
      }`,
      findings: [...rewrites, ...symptoms],
      alg: facts.profile,
    });
    for (const i of [...rewrites, ...symptoms]) used.add(i);
  } else {
    const present = idx((f) => f.id === "alg-received-rewritten");
    if (present.length > 0) {
      const profile: AlgProfile = oneWay.length > 0 ? "headers-not-sdp" : "netfilter";
      out.push({
        id: "sip-alg",
        confidence: oneWay.length > 0 ? "likely" : "possible",
        title: oneWay.length > 0 ? ALG_TITLES["headers-not-sdp"] : "a SIP ALG (what it rewrites is not visible from the phone's side)",
        because:
          oneWay.length > 0
            ? "A box maps Via received= back to the phone's private address, which only an ALG does, and no RTP comes back: an ALG that rewrote the headers (so the provider sees no NAT) but not the SDP (so the far end sends audio to the private address) explains both."
            : "A box maps Via received= back to the phone's private address, which only an ALG does; audio is not broken, as with an ALG that rewrites everything (the kernel helper). A capture on the public side would show what it rewrites.",
        findings: [...present, ...oneWay],
        alg: profile,
      });
      for (const i of [...present, ...oneWay]) used.add(i);
    }
  }

  // UDP blocked.
  for (const i of idx((f) => f.facts.kind === "udp-unanswered")) {
    const f = findings[i]!;
    const facts = f.facts as Extract<Finding["facts"], { kind: "udp-unanswered" }>;
    const related = idx(
      (g) =>
        ((g.facts.kind === "turn" || g.facts.kind === "turn-media") && g.facts.client === facts.client) ||
        (g.facts.kind === "one-way" && g.facts.from.startsWith(`${facts.client}:`)) ||
        (g.facts.kind === "sip-timeout" && g.facts.from === facts.client && g.facts.transport === "udp"),
    );
    const tcpOk = facts.streamOk.length > 0;
    out.push({
      id: "udp-blocked",
      confidence: tcpOk ? (facts.droppedIn.length > 0 ? "certain" : "likely") : "possible",
      title: tcpOk
        ? `UDP blocked for ${facts.client}: TCP/TLS passes, UDP gets no answer`
        : `UDP from ${facts.client} gets no answer (UDP blocked, or the server is unreachable)`,
      because: f.title,
      findings: [i, ...related],
    });
    used.add(i);
    for (const r of related) used.add(r);
  }

  // Fragments dropped on the path.
  const timeouts = idx((f) => f.facts.kind === "sip-timeout" && f.facts.fragmented);
  if (timeouts.length > 0) {
    const frags = idx((f) => f.id === "ip-fragments" || f.id === "vpn-tunnel");
    const t = findings[timeouts[0]!]!.facts as Extract<Finding["facts"], { kind: "sip-timeout" }>;
    // The same sender's small requests over UDP were answered: the path works, but not for fragments.
    const all = transactions(packets);
    const me = all.find((x) => x.key === t.transaction)?.requests[0];
    const small = me
      ? all.filter((x) => x.requests[0]!.src === me.src && carrier(x.requests[0]!) === "udp" && x.final && !x.requests.some((r) => r.fragment))
      : [];
    out.push({
      id: "fragments-dropped",
      confidence: small.length > 0 ? "certain" : "likely",
      title: "IP fragments dropped on the path: large SIP messages over UDP never arrive",
      because: `${findings[timeouts[0]!]!.title}: it went out in IP fragments${small.length > 0 ? `, while ${count(small.length, "smaller request")} from the same sender over UDP (${[...new Set(small.map((x) => x.method))].join(", ")}) ${small.length === 1 ? "was" : "were"} answered` : ""}.`,
      findings: [...timeouts, ...frags].sort((a, b) => a - b),
    });
    for (const i of [...timeouts, ...frags]) used.add(i);
  }

  // TURN refused (not because UDP was blocked: that is above).
  const turnErrors = idx((f) => f.facts.kind === "turn" && f.facts.outcome === "error" && !used.has(findings.indexOf(f)));
  if (turnErrors.length > 0) {
    out.push({
      id: "turn-failed",
      confidence: "certain",
      title: "the TURN server refused the allocation",
      because: findings[turnErrors[0]!]!.title,
      findings: turnErrors,
    });
    for (const i of turnErrors) used.add(i);
  }

  const stops = idx((f) => f.id === "rtp-stops" && !used.has(findings.indexOf(f)));
  if (stops.length > 0) {
    out.push({
      id: "media-cut",
      confidence: "possible",
      title: "media cut in the middle of the call (a late DPI verdict, an expired NAT mapping, or a re-INVITE to a port nobody opened)",
      because: findings[stops[0]!]!.title,
      findings: stops,
    });
    for (const i of stops) used.add(i);
  }
  const lonely = oneWay.filter((i) => !used.has(i));
  if (lonely.length > 0)
    out.push({
      id: "one-way-audio",
      confidence: "possible",
      title: "one-way audio, with no rewrite or block in the capture to explain it",
      because: findings[lonely[0]!]!.title,
      findings: lonely,
    });
  const unanswered = idx((f) => f.id === "sip-timeout" && !used.has(findings.indexOf(f)));
  if (unanswered.length > 0)
    out.push({
      id: "no-answer",
      confidence: "possible",
      title: "SIP requests that nobody answered, for a reason the capture does not show",
      because: findings[unanswered[0]!]!.title,
      findings: unanswered,
    });
  return out.map((c) => ({ ...c, findings: [...new Set(c.findings)].sort((a, b) => a - b) }));
}
