import { addressClass, isPrivate, isPublic } from "./address.js";
import { type AlgProfile, type CaptureInfo, count, endpoint, evidence, type Evidence, type Finding, pushTo } from "./finding.js";
import type { InspectPacket } from "./packets.js";
import { type SipPacket, sipLabel, sipPackets, type Transaction, transactions } from "./sip.js";

// Signalling whose addresses disagree with where it came from (CONDITIONS.md A.1, A.3; Kamailio's
// nat_uac_test flags 1, 2, 8): a NAT the phone does not know about, or an ALG that rewrote some of the
// addresses and not the others. The strongest evidence is the same request captured on both sides of the
// box (same Call-ID, CSeq and branch, a private source on one side and a public one on the other): what
// changed between the two is what the box rewrote.

type Field = "Via" | "Contact" | "SDP o=" | "SDP c=" | "SDP m=" | "Content-Length";

interface View {
  readonly p: SipPacket;
  /** Where the originator sent it from, as far as this copy shows: the packet's source, or for a request a proxy forwarded, what the proxy noted in the originator's Via (received, rport). */
  readonly source: string;
  readonly sourcePort: number | null;
  /** Whether this copy came through a proxy (the originator's Via is the bottom one). */
  readonly forwarded: boolean;
  readonly values: Readonly<Record<Field, string | null>>;
}

function viewOf(p: SipPacket): View {
  const forwarded = p.addressing.via.length > 1;
  const top = forwarded ? p.addressing.via.at(-1) : p.addressing.via[0];
  const c = p.addressing.contact;
  const sdp = p.addressing.sdp;
  return {
    p,
    source: forwarded ? (top?.received ?? top?.host ?? p.src) : p.src,
    sourcePort: forwarded ? (top?.rport ?? top?.port ?? null) : p.sport,
    forwarded,
    values: {
      Via: top ? endpoint(top.host, top.port) : null,
      Contact: c ? endpoint(c.host, c.port) : null,
      "SDP o=": sdp?.origin ?? null,
      "SDP c=": sdp && sdp.connection.length > 0 ? [...new Set(sdp.connection)].join(", ") : null,
      "SDP m=": sdp && sdp.ports.length > 0 ? sdp.ports.join(", ") : null,
      "Content-Length": p.sip.contentLength?.toString() ?? null,
    },
  };
}

const hostOf = (v: string | null): string | null => (v === null ? null : v.split(", ")[0]!.replace(/:\d+$/, ""));
const ADDRESS_FIELDS: readonly Field[] = ["Via", "Contact", "SDP o=", "SDP c="];

function describe(v: View): string {
  return ADDRESS_FIELDS.filter((f) => v.values[f] !== null)
    .map((f) => `${f} ${v.values[f]}`)
    .join(", ");
}

/** The copies of a request seen with a private source (before the NAT) and with a public one (after it). */
function sides(t: Transaction): { inside: View | null; outside: View | null } {
  const direct = t.requests.filter((r) => r.addressing.via.length === 1);
  const inside = direct.find((r) => isPrivate(r.src) && isPublic(r.dst));
  // A request a proxy forwarded still says, in its bottom Via, where its originator sent it from.
  const outside =
    direct.find((r) => isPublic(r.src) && isPublic(r.dst)) ??
    t.requests.find((r) => r.addressing.via.length > 1 && isPublic(r.src) && isPublic(r.dst) && isPublic(viewOf(r).source));
  return { inside: inside ? viewOf(inside) : null, outside: outside ? viewOf(outside) : null };
}

interface Classified {
  readonly profile: AlgProfile | "none";
  readonly rewrote: Field[];
  readonly kept: Field[];
  readonly why: string;
}

/** What the box did to one request seen on both sides of it. */
export function classifyRewrite(inside: View, outside: View): Classified {
  const fields: Field[] = ["Via", "Contact", "SDP o=", "SDP c=", "SDP m=", "Content-Length"];
  const rewrote = fields.filter((f) => inside.values[f] !== null && inside.values[f] !== outside.values[f]);
  const kept = fields.filter((f) => inside.values[f] !== null && inside.values[f] === outside.values[f]);
  const headers = rewrote.includes("Via") || rewrote.includes("Contact");
  const sdpPresent = inside.values["SDP c="] !== null || inside.values["SDP o="] !== null;
  const sdpRewritten = rewrote.includes("SDP c=") || rewrote.includes("SDP o=");
  if (!headers && !sdpRewritten) return { profile: "none", rewrote, kept, why: "no address in the message was changed: a NAT without an ALG" };
  if (headers && sdpPresent && !sdpRewritten)
    return { profile: "headers-not-sdp", rewrote, kept, why: "Via/Contact were rewritten to the public address, the SDP kept the private one" };
  if (sdpRewritten) {
    // An address of another length changes the body's length; Content-Length must follow it.
    const grew = ["SDP o=", "SDP c="].reduce((n, f) => {
      const before = inside.values[f as Field];
      const after = outside.values[f as Field];
      const times = f === "SDP c=" ? (inside.p.addressing.sdp?.connection.length ?? 0) : 1;
      return before !== null && after !== null ? n + (hostOf(after)!.length - hostOf(before)!.length) * times : n;
    }, 0);
    if (grew !== 0 && !rewrote.includes("Content-Length"))
      return {
        profile: "content-length-unfixed",
        rewrote,
        kept,
        why: `the SDP grew by ${grew} byte(s) but Content-Length stayed ${inside.values["Content-Length"]}: the receiver reads a body of the wrong size`,
      };
  }
  const contactPort = outside.p.addressing.contact?.port ?? null;
  if (rewrote.includes("Contact") && contactPort === 5060 && outside.p.sport !== 5060 && inside.p.addressing.contact?.port !== 5060)
    return {
      profile: "wrong-contact-port",
      rewrote,
      kept,
      why: `Contact was rewritten to port 5060 while the NAT mapped the phone to port ${outside.p.sport}: requests to that Contact reach nobody`,
    };
  return {
    profile: "netfilter",
    rewrote,
    kept,
    why: "Via, Contact and the SDP were all rewritten to the public address, as the kernel's SIP helper (nf_nat_sip) does",
  };
}

/** What the public side alone says of a request the sender wrote itself. */
export function classifyOutside(outside: View): Classified | null {
  const src = outside.source;
  const via = hostOf(outside.values.Via);
  const contact = hostOf(outside.values.Contact);
  const sdp = [hostOf(outside.values["SDP c="]), hostOf(outside.values["SDP o="])].filter((h): h is string => h !== null);
  const headersPrivate = [via, contact].some((h) => h !== null && isPrivate(h));
  const headersAtSource = [via, contact].every((h) => h === null || h === src) && (via !== null || contact !== null);
  const sdpPrivate = sdp.some(isPrivate);
  const rewrote: Field[] = [];
  const kept: Field[] = [];
  if (headersAtSource && sdpPrivate)
    return {
      profile: "headers-not-sdp",
      rewrote: (["Via", "Contact"] as Field[]).filter((f) => outside.values[f] !== null),
      kept: (["SDP o=", "SDP c="] as Field[]).filter((f) => outside.values[f] !== null && isPrivate(hostOf(outside.values[f])!)),
      why: `Via and Contact name the address it came from, ${src}; the SDP names a private one: a phone that knew its public address would have put it in the SDP too, so a box rewrote the headers only`,
    };
  const cport = outside.p.addressing.contact?.port ?? null;
  const vport = outside.forwarded ? (outside.p.addressing.via.at(-1)?.port ?? null) : (outside.p.addressing.via[0]?.port ?? null);
  if (headersAtSource && !sdpPrivate && cport === 5060 && vport === outside.sourcePort && outside.sourcePort !== 5060)
    return {
      profile: "wrong-contact-port",
      rewrote: ["Contact"],
      kept,
      why: `Contact names ${src}:5060 while the request came from port ${outside.sourcePort} (and Via says so): requests sent to that Contact reach nobody`,
    };
  if (headersPrivate)
    return { profile: "none", rewrote, kept, why: "private addresses in Via/Contact from a public source: a NAT the phone does not know about" };
  return null;
}

const ALG_NAMES: Record<AlgProfile, string> = {
  "headers-not-sdp": "rewrote the headers but not the SDP (headers-not-sdp, CONDITIONS.md A3.1)",
  netfilter: "rewrote Via, Contact and the SDP, as the kernel's SIP helper does (netfilter)",
  "wrong-contact-port": "rewrote Contact with the wrong port (wrong-contact-port, A3.2)",
  "content-length-unfixed": "rewrote the SDP without fixing Content-Length (content-length-unfixed, A3.3)",
  unknown: "rewrote SIP addresses",
};

/** Why nothing was rewritten, as far as the message shows, and what the provider then sees. */
function unrewritten(v: View): { title: string; detail: string } {
  const over = v.p.protocols.includes("tls") ? "tls" : v.p.transport;
  const hosts = [hostOf(v.values.Via), hostOf(v.values.Contact)].filter((h): h is string => h !== null);
  const addresses = hosts.filter((h) => addressClass(h) !== "not-ipv4");
  if (over === "tls")
    return {
      title: "SIP over TLS, which no ALG can read",
      detail: `SIP over TLS (readable here through the capture's TLS keys) is encrypted on the wire: no box on the way can rewrite it.${addresses.some(isPrivate) ? " The provider sees private addresses from a public source and must handle the NAT itself." : ""}`,
    };
  if (addresses.length === 0)
    return {
      title: "no address in its SIP headers to rewrite",
      detail: `Via/Contact name ${hosts.join(", ") || "no host"}, not an address (SIP over WebSocket uses .invalid hosts): nothing for an ALG to rewrite.`,
    };
  return {
    title: "no ALG rewrote its SIP",
    detail: addresses.some(isPrivate) ? "The provider sees private addresses from a public source and must handle the NAT itself." : "",
  };
}

function sideEvidence(v: View, start: number, which: string): Evidence {
  return evidence(v.p, start, `${sipLabel(v.p)} ${which}: ${describe(v)}`);
}

/** Responses reaching a phone whose Via `received=` a box mapped back to the phone's private address. */
function receivedFindings(sip: readonly SipPacket[], info: CaptureInfo): Finding[] {
  const out: Finding[] = [];
  const rewritten = new Map<string, SipPacket[]>();
  const learnt = new Map<string, SipPacket[]>();
  for (const p of sip) {
    if (p.sip.status === null || !isPrivate(p.dst) || !isPublic(p.src)) continue;
    const top = p.addressing.via[0];
    if (!top?.received || top.host !== p.dst) continue;
    const map = top.received === p.dst ? rewritten : isPublic(top.received) ? learnt : null;
    if (!map) continue;
    pushTo(map, p.dst, p);
  }
  for (const [phone, ps] of rewritten)
    out.push({
      family: "addresses",
      id: "alg-received-rewritten",
      severity: "problem",
      title: `a SIP ALG sits in front of ${phone}: its answers arrive with Via received=${phone}, the phone's own private address`,
      detail: `The server writes into received= the address it saw the request come from, which behind a NAT is public. ${count(ps.length, "answer")} reached ${phone} with received=${phone}: a box on the way put the private value back, which only a SIP ALG does (the kernel helper maps received/rport back, CONDITIONS.md A.1). What it rewrote on the way out cannot be seen from this side.`,
      evidence: ps.slice(0, 3).map((p) => evidence(p, info.start, `${sipLabel(p)}: Via ${p.sip.via[0]}`)),
      facts: { kind: "alg-present", privateAddress: phone },
    });
  for (const [phone, ps] of learnt) {
    if (rewritten.has(phone)) continue;
    const pub = ps[0]!.addressing.via[0]!.received!;
    out.push({
      family: "addresses",
      id: "behind-nat",
      severity: "context",
      title: `${phone} is behind a NAT it does not know about: the server saw it at ${pub}`,
      detail: `Answers to ${phone} carry Via received=${pub}: the address the server saw, which the phone's own Via (${phone}) does not name. No ALG changed it back.`,
      evidence: ps.slice(0, 2).map((p) => evidence(p, info.start, `${sipLabel(p)}: Via ${p.sip.via[0]}`)),
      facts: { kind: "behind-nat", privateAddress: phone, publicAddress: pub },
    });
  }
  return out;
}

/** SDP naming a private address in a message between two public addresses: media sent there cannot arrive. */
function privateSdpOnPublicSide(sip: readonly SipPacket[], info: CaptureInfo, explained: ReadonlySet<string>): Finding[] {
  const seen = new Map<string, SipPacket[]>();
  for (const p of sip) {
    const c = p.addressing.sdp?.connection ?? [];
    if (!isPublic(p.src) || !isPublic(p.dst)) continue;
    for (const a of new Set(c)) if (isPrivate(a)) pushTo(seen, `${p.sip.callId}\u0000${a}`, p);
  }
  const out: Finding[] = [];
  for (const [key, ps] of seen) {
    const [callId, address] = key.split("\u0000") as [string, string];
    if (explained.has(callId)) continue;
    const first = ps[0]!;
    out.push({
      family: "addresses",
      id: "sdp-private-on-public-side",
      severity: "problem",
      title: `the SDP of call ${callId} names the private address ${address} on the public side`,
      detail: `${sipLabel(first)} from ${first.src} to ${first.dst} offers media at c=${address}. Whoever sends RTP there from the internet reaches nobody: audio towards ${address} is lost unless the far end latches onto where the media really comes from.`,
      evidence: ps.slice(0, 3).map((p) => evidence(p, info.start, `${sipLabel(p)}: SDP c= ${address}`)),
      facts: { kind: "sdp-private-on-public-side", address },
    });
  }
  return out;
}

export function addressFindings(packets: readonly InspectPacket[], info: CaptureInfo): Finding[] {
  const sip = sipPackets(packets);
  const ts = transactions(packets);
  // One finding per public source (the NAT's address): its requests decide together, those it sent
  // straight to the server before any a proxy forwarded.
  const byPublic = new Map<string, Array<{ t: Transaction; inside: View | null; outside: View }>>();
  for (const t of ts) {
    const { inside, outside } = sides(t);
    if (!outside) continue;
    pushTo(byPublic, outside.source, { t, inside, outside });
  }
  for (const [pub, list] of byPublic) {
    const direct = list.filter((x) => !x.outside.forwarded);
    if (direct.length > 0) byPublic.set(pub, direct);
  }
  const out: Finding[] = [];
  const explainedCalls = new Set<string>();
  for (const [pub, list] of byPublic) {
    const both = list.filter((x) => x.inside !== null);
    // The request with an SDP says the most (an INVITE); else any.
    const pick = <T extends { outside: View }>(xs: T[]): T | undefined => xs.find((x) => x.outside.values["SDP c="] !== null) ?? xs[0];
    const chosen = pick(both);
    if (chosen?.inside) {
      const c = classifyRewrite(chosen.inside, chosen.outside);
      const ev = [sideEvidence(chosen.inside, info.start, "before the box"), sideEvidence(chosen.outside, info.start, "after it")];
      const other = both.find((x) => x !== chosen && x.t.method !== chosen.t.method);
      if (other?.inside) ev.push(sideEvidence(other.inside, info.start, "before"), sideEvidence(other.outside, info.start, "after"));
      if (c.profile === "none") {
        const why = unrewritten(chosen.inside);
        out.push({
          family: "addresses",
          id: "behind-nat",
          severity: "context",
          title: `${chosen.inside.p.src} is behind a NAT (public ${pub}); ${why.title}`,
          detail:
            `The same ${chosen.t.method} (Call-ID ${chosen.t.callId}) was captured before and after the NAT: only the packet's source changed (${chosen.inside.p.src} → ${pub}); ${describe(chosen.outside)} arrived as the phone wrote them. ${why.detail}`.trim(),
          evidence: ev,
          facts: { kind: "behind-nat", privateAddress: chosen.inside.p.src, publicAddress: pub },
        });
        continue;
      }
      if (c.profile === "headers-not-sdp") explainedCalls.add(chosen.t.callId);
      out.push({
        family: "addresses",
        id: "alg-rewrite",
        severity: "problem",
        title: `a SIP ALG between ${chosen.inside.p.src} and ${pub} ${ALG_NAMES[c.profile]}`,
        detail: `The same ${chosen.t.method} (Call-ID ${chosen.t.callId}, CSeq ${chosen.t.cseq}) was captured before and after the box: rewritten ${c.rewrote
          .map((f) => `${f} ${chosen.inside!.values[f]} → ${chosen.outside.values[f]}`)
          .join("; ")}${c.kept.length > 0 ? `; unchanged ${c.kept.map((f) => `${f} ${chosen.outside.values[f]}`).join("; ")}` : ""}. ${c.why}.`,
        evidence: ev,
        facts: { kind: "alg", profile: c.profile, rewrote: c.rewrote, kept: c.kept, bothSides: true, publicAddress: pub },
      });
      continue;
    }
    const one = pick(list.filter((x) => classifyOutside(x.outside) !== null)) ?? undefined;
    if (!one) continue;
    const c = classifyOutside(one.outside)!;
    const ev = list.slice(0, 3).map((x) => sideEvidence(x.outside, info.start, "as it arrived"));
    if (c.profile === "none") {
      const phone = hostOf(one.outside.values.Via) ?? hostOf(one.outside.values.Contact) ?? "?";
      out.push({
        family: "addresses",
        id: "behind-nat",
        severity: "context",
        title: `a phone at ${phone} is behind a NAT (public ${pub}) it does not know about`,
        detail: `${one.t.method} (Call-ID ${one.t.callId}) came from ${pub} with ${describe(one.outside)}: ${c.why}. Nothing rewrote them, so no ALG on this path touched SIP to this port.`,
        evidence: ev,
        facts: { kind: "behind-nat", privateAddress: phone, publicAddress: pub },
      });
      continue;
    }
    if (c.profile === "headers-not-sdp") explainedCalls.add(one.t.callId);
    out.push({
      family: "addresses",
      id: "alg-rewrite",
      severity: "problem",
      title: `a SIP ALG in front of ${pub} ${ALG_NAMES[c.profile]}`,
      detail: `${one.t.method} (Call-ID ${one.t.callId}) ${one.outside.forwarded ? `was forwarded by ${one.outside.p.src}; its originator's Via says it came from ${pub}, and it carries` : `arrived from ${pub} with`} ${describe(one.outside)}. ${c.why}. Only the public side is in this capture: a capture on the phone's side as well would show the rewrite itself.`,
      evidence: ev,
      facts: { kind: "alg", profile: c.profile, rewrote: c.rewrote, kept: c.kept, bothSides: false, publicAddress: pub },
    });
  }
  // The phone's side: answers whose received= a box turned back (only when neither side above decided).
  if (!out.some((f) => f.id === "alg-rewrite"))
    out.push(...receivedFindings(sip, info).filter((f) => f.id === "alg-received-rewritten" || !out.some((o) => o.id === "behind-nat")));
  out.push(...privateSdpOnPublicSide(sip, info, explainedCalls));
  return out;
}
