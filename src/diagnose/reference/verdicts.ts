import { diffSip, type FieldChange } from "../../alg/mirror-diff.js";
import type { Verdict } from "../contract.js";
import type { QuestionId } from "../questions.js";

// callpath's reference probe, its judgement: every verdict is a pure function of what the probes saw
// (the observations below), so each rule is unit tested without a network. A rule answers only what its
// observation proves; anything else is "inconclusive" with the reason.

export type Verdicts = Partial<Record<QuestionId, Verdict>>;
const v = (verdict: Verdict["verdict"], evidence: string): Verdict => ({ verdict, evidence });
const inconclusive = (evidence: string): Verdict => v("inconclusive", evidence);

// ---------------------------------------------------------------------------------------------- SIP ALG

export interface MirrorObs {
  readonly transport: "udp" | "tcp";
  readonly port: number;
  /** The request as written. */
  readonly sent: string;
  /** What the mirror says arrived, and from where (ip:port); absent when no answer came. */
  readonly answer?: { readonly received: string; readonly source: string };
  /** TCP: the connection's send MSS; a request longer than it crosses the path in several segments. */
  readonly mss?: number;
  /** Why there is no answer. */
  readonly why?: string;
}

export interface SipObs {
  readonly udp5060?: MirrorObs;
  readonly tcp5060?: MirrorObs;
  readonly udp5080?: MirrorObs;
  /** The address the SIP server saw this seat's SIP come from (its Via received=, over TLS, which no ALG reads). */
  readonly serverView?: string;
  readonly serverViewWhy?: string;
  /** Whether the seat routes the mirror and the SIP server alike (same interface and gateway). */
  readonly sameLocalRoute: boolean;
}

const ALG_FIELDS = new Set(["request-uri", "via", "contact", "from", "to", "call-id", "sdp-origin", "sdp-connection", "sdp-media-port"]);

const ipOf = (hostport: string): string => hostport.replace(/:\d+$/, "");

/** One mirror probe: rewritten (yes), arrived as sent (no), or nothing to judge by. */
export function judgeMirror(o: MirrorObs | undefined, s: Pick<SipObs, "serverView" | "sameLocalRoute">): Verdict {
  if (!o) return inconclusive("no mirror in this lab (CALLPATH_SIP_MIRROR is empty)");
  const label = `${o.transport.toUpperCase()} to the mirror's port ${o.port}`;
  if (!o.answer) {
    // A dropped probe is not "no ALG": a firewall may drop it (UDP blocked, a DPI signature that its first
    // byte happens to match), and so may an ALG that cannot parse it.
    return inconclusive(`the INVITE over ${label} got no answer (${o.why ?? "none came"}): a lost probe says nothing about rewriting`);
  }
  // The mirror sits beside the SIP server; its view speaks for the SIP server's path only if the seat's
  // SIP reaches both the same way.
  if (!s.sameLocalRoute) return inconclusive(`the seat routes the mirror and the SIP server differently: what ${label} saw is not the SIP server's path`);
  // Without the SIP server's own view, the mirror cannot be shown to stand for the SIP server's path.
  if (!s.serverView) return inconclusive(`the SIP server's view of the seat is unknown, so ${label} cannot speak for the path to it`);
  if (ipOf(s.serverView) !== ipOf(o.answer.source))
    return inconclusive(
      `the mirror saw ${label} come from ${ipOf(o.answer.source)} but the SIP server sees the seat as ${ipOf(s.serverView)}: the two are reached by different paths`,
    );
  let diff: ReturnType<typeof diffSip>;
  try {
    diff = diffSip(o.sent, o.answer.received);
  } catch (e) {
    // Rewritten or cut short by something: no field to point at, so no claim either way.
    return inconclusive(`over ${label} the answer does not parse as the INVITE sent (${(e as Error).message})`);
  }
  const changed: FieldChange[] = diff.fields.filter((f) => f.changed && ALG_FIELDS.has(f.field));
  const broken = !diff.contentLengthMatchesBody;
  if (changed.length > 0 || broken) {
    const rows = changed.map((f) => `${f.field} ${f.sent ?? "(none)"} → ${f.received ?? "(none)"}`);
    if (broken) rows.push("Content-Length no longer matches the body");
    return v("yes", `over ${label} the INVITE arrived rewritten: ${rows.join("; ")} (seen from ${o.answer.source})`);
  }
  if (o.transport === "tcp" && o.mss !== undefined && Buffer.byteLength(o.sent, "latin1") > o.mss)
    // Linux's helper skips a message that is not whole in one segment (CONDITIONS.md A.1 "TCP").
    return inconclusive(
      `the INVITE over ${label} arrived unchanged, but it is ${Buffer.byteLength(o.sent, "latin1")} bytes and the MSS is ${o.mss}: a helper skips split messages`,
    );
  return v("no", `over ${label} the INVITE arrived byte for byte as sent (Via, Contact, SDP o=/c=/m=, Content-Length; seen from ${o.answer.source})`);
}

export function sipAlgVerdicts(s: SipObs): Verdicts {
  const udp = judgeMirror(s.udp5060, s);
  const tcp = judgeMirror(s.tcp5060, s);
  const control = judgeMirror(s.udp5080, s);
  // The question is about SIP to 5060; the 5080 control only shows whether an ALG is keyed on the port.
  const all = [udp, tcp];
  const view = s.serverView ? `the SIP server sees the seat as ${s.serverView}` : `the SIP server's view is unknown (${s.serverViewWhy ?? "not asked"})`;
  const evidence = `UDP 5060: ${udp.evidence} | TCP 5060: ${tcp.evidence} | UDP 5080 (control): ${control.evidence} | ${view}`;
  // A rewrite on either is a SIP ALG on the path; "no" needs both to have arrived unchanged.
  const sipAlg = all.some((x) => x.verdict === "yes") ? v("yes", evidence) : all.every((x) => x.verdict === "no") ? v("no", evidence) : inconclusive(evidence);
  return { sipAlg, sipAlgUdp: udp, sipAlgTcp: tcp };
}

// ------------------------------------------------------------------------------------- UDP reachability

export interface BindingObs {
  /** The server answered (any valid STUN response). */
  readonly answered: boolean;
  /** TCP/TLS: the connection (TLS: the session) opened. */
  readonly connected?: boolean;
  readonly mapped?: string;
  readonly why?: string;
}

export interface ReachObs {
  readonly udp: BindingObs;
  readonly tcp: BindingObs;
  readonly tls: BindingObs;
  /**
   * Plain UDP that no DPI signature matches (a SUBSCRIBE, first byte 'S') to the mirror, and whether the
   * mirror answered over TCP: tells "UDP is blocked" from "STUN over UDP is dropped".
   */
  readonly udpControl?: boolean;
  readonly mirrorTcp?: boolean;
}

export function udpBlockedVerdict(r: ReachObs): Verdict {
  const said = (b: BindingObs) => (b.answered ? `answered${b.mapped ? ` (${b.mapped})` : ""}` : `no answer${b.why ? ` (${b.why})` : ""}`);
  const evidence = `STUN binding over UDP 3478: ${said(r.udp)}; over TCP 3478: ${said(r.tcp)}; over TLS 443: ${said(r.tls)}`;
  if (r.udp.answered) return v("no", evidence);
  if (!r.tcp.answered && !r.tls.answered) return inconclusive(`${evidence}: nothing answered, so the server's reachability says nothing about UDP`);
  // The question is whether STUN/TURN over UDP gets through; the plain-UDP control only says why not.
  const why =
    r.udpControl === true
      ? "plain UDP to the mirror was answered: STUN over UDP is dropped (a DPI signature), not UDP as such"
      : r.udpControl === false && r.mirrorTcp
        ? "plain UDP to the mirror got no answer either, while the mirror answered over TCP: UDP does not cross"
        : "the plain-UDP control was inconclusive";
  return v("yes", `${evidence}: the server is up, STUN over UDP does not reach it; ${why}`);
}

// --------------------------------------------------------------------------------------- STUN-in-TCP DPI

export interface TurnTcpObs {
  readonly connected: boolean;
  /** Valid STUN responses received on the TCP connection. */
  readonly responses: number;
  readonly allocated?: { readonly relayed: string; readonly lifetime: number };
  readonly released?: boolean;
  readonly why?: string;
}

export function stunOverTcpVerdict(t: TurnTcpObs, tls: BindingObs): Verdict {
  const got = t.allocated
    ? `allocated ${t.allocated.relayed} (lifetime ${t.allocated.lifetime} s${t.released ? ", released" : ""})`
    : `${t.responses} STUN responses`;
  if (t.responses > 0) return v("no", `TURN Allocate over TCP 3478: ${got}`);
  if (t.connected && tls.answered)
    return v(
      "yes",
      `TURN over TCP 3478: the connection opened but the STUN exchange got nothing back (${t.why ?? "silence"}), while STUN over TLS 443 was answered`,
    );
  return inconclusive(
    `TURN over TCP 3478: ${t.connected ? `connected, no STUN answer (${t.why ?? "silence"})` : `no connection (${t.why ?? "?"})`}; TLS 443 ${tls.answered ? "answered" : "did not answer either"}`,
  );
}

// ------------------------------------------------------------------------------------------ RFC 5780 NAT

export interface NatObs {
  /** The socket's own address as ip:port (the route's source address and its local port). */
  readonly local?: string;
  /** CALLPATH_STUN_ALT, when the lab gives one. */
  readonly alt?: string;
  /** Test I on the mapping socket: XOR-MAPPED-ADDRESS and OTHER-ADDRESS. */
  readonly test1?: { readonly mapped: string; readonly other?: string };
  /** Test II (alternate address, primary port) and III (alternate address and port); null when unanswered. */
  readonly test2?: string | null;
  readonly test3?: string | null;
  /** Set when the seat routes the alternate address otherwise than the primary one (a split tunnel that names one of them). */
  readonly altRouteDiffers?: string;
  /**
   * Whether replies from the other address and port, and from the primary address's other port, reach the
   * mapping socket at all: without that, a missing CHANGE-REQUEST answer may be a firewall's doing (UDP
   * blocked except an allowlist that names only the primary address), not the NAT's filtering.
   */
  readonly reach?: { readonly altBoth: boolean; readonly altPort: boolean };
  /** A second, fresh socket that has only ever sent to the primary address. */
  readonly filter?: {
    readonly test1: boolean;
    /** A binding on it after the CHANGE-REQUESTs was answered: the flow itself was not killed meanwhile. */
    readonly alive?: boolean;
    /** CHANGE-REQUEST ip+port answered from the other address and port. */
    readonly changeBoth: boolean;
    /** CHANGE-REQUEST port answered from the primary address, other port. */
    readonly changePort: boolean;
    /** The server answered a CHANGE-REQUEST, but not from where it was asked to (it cannot do RFC 5780). */
    readonly misdirected?: string;
  };
  readonly why?: string;
}

type Dep = "endpoint-independent" | "address-dependent" | "address-and-port-dependent";

export function natVerdicts(n: NatObs): Verdicts {
  if (!n.test1) {
    const e = inconclusive(`no STUN binding over UDP was answered (${n.why ?? "no answer"}): RFC 5780's tests need UDP`);
    return { natMapping: e, natFiltering: e, natType: e };
  }
  if (n.local && n.test1.mapped === n.local) {
    const none = v("none", `the reflexive address ${n.test1.mapped} is the seat's own address and port: no NAT towards the TURN server`);
    return { natMapping: none, natFiltering: none, natType: none };
  }
  if (!n.alt || !n.test1.other) {
    const e = inconclusive(
      `reflexive ${n.test1.mapped} (own ${n.local ?? "?"}): a NAT, but the server gives no second address (${n.alt ? "no OTHER-ADDRESS" : "CALLPATH_STUN_ALT is empty"}), so RFC 5780's tests cannot run`,
    );
    return { natMapping: e, natFiltering: e, natType: e };
  }
  let mapping: Verdict;
  let mappingDep: Dep | undefined;
  const m = `test I ${n.test1.mapped}`;
  // Tests II and III speak of the same NATs only if they leave by the same path: a mapping on another
  // public address is another path (or a NAT pool that is not "paired"), not a mapping behaviour.
  const otherPath =
    n.altRouteDiffers ?? [n.test2, n.test3].map((t) => (t ? ipOf(t) : undefined)).find((ip) => ip !== undefined && ip !== ipOf(n.test1!.mapped));
  if (otherPath)
    mapping = inconclusive(
      `${m}; ${n.altRouteDiffers ? n.altRouteDiffers : `the other address sees the seat from ${otherPath}, another public address`}: the tests do not cross the same NATs`,
    );
  else if (n.test2 === undefined || n.test2 === null)
    mapping = inconclusive(`${m}; test II (to ${n.test1.other.replace(/:\d+$/, "")}, primary port) got no answer`);
  else if (n.test2 === n.test1.mapped) {
    mappingDep = "endpoint-independent";
    mapping = v(mappingDep, `${m}; test II to the other address gave the same mapping ${n.test2}`);
  } else if (n.test3 === undefined || n.test3 === null) mapping = inconclusive(`${m}; test II ${n.test2}; test III (other address and port) got no answer`);
  else {
    mappingDep = n.test3 === n.test2 ? "address-dependent" : "address-and-port-dependent";
    mapping = v(
      mappingDep,
      `${m}; test II ${n.test2} (a new mapping for a new address); test III ${n.test3} (${n.test3 === n.test2 ? "kept for a new port" : "new again for a new port"})`,
    );
  }
  let filtering: Verdict;
  let filteringDep: Dep | undefined;
  const f = n.filter;
  if (!f?.test1) filtering = inconclusive("the filtering socket's test I got no answer");
  else if (f.changeBoth) {
    filteringDep = "endpoint-independent";
    filtering = v(filteringDep, "an answer sent from the other address and port came in (CHANGE-REQUEST ip+port)");
  } else if (f.misdirected) filtering = inconclusive(`the server does not answer CHANGE-REQUEST as RFC 5780 asks: ${f.misdirected}`);
  else if (!n.reach?.altBoth)
    filtering = inconclusive(
      "UDP from the other address and port does not reach the seat even as a reply: what keeps its answer out may be a firewall, not the NAT",
    );
  else if (!f.alive)
    filtering = inconclusive("the filtering flow itself stopped being answered (a flow killed after a few packets?): its silence proves nothing");
  else if (f.changePort) {
    filteringDep = "address-dependent";
    filtering = v(filteringDep, "nothing came in from the other address; an answer from the primary address's other port did (CHANGE-REQUEST port)");
  } else if (!n.reach.altPort)
    filtering = inconclusive("nothing came in from the other address; UDP from the primary address's other port does not reach the seat even as a reply");
  else {
    filteringDep = "address-and-port-dependent";
    filtering = v(
      filteringDep,
      "neither the answer from the other address and port nor the one from the primary address's other port came in, retransmitted five times",
    );
  }
  return { natMapping: mapping, natFiltering: filtering, natType: natTypeVerdict(mappingDep, filteringDep, mapping, filtering) };
}

/**
 * RFC 3489's names from RFC 4787's behaviours: a mapping that depends on the destination (address, or
 * address and port) is "symmetric" whatever the filtering; with endpoint-independent mapping the
 * filtering names the cone: endpoint-independent → full-cone, address-dependent → restricted-cone,
 * address-and-port-dependent → port-restricted-cone.
 */
import { natTypeName } from "../questions.js";

export { natTypeName };

function natTypeVerdict(mapping: Dep | undefined, filtering: Dep | undefined, mv: Verdict, fv: Verdict): Verdict {
  const evidence = `mapping ${mv.verdict}, filtering ${fv.verdict}`;
  const name = mapping ? natTypeName(mapping, filtering) : undefined;
  return name ? v(name, evidence) : inconclusive(evidence);
}

// ------------------------------------------------------------------------------------------------- VPN

export interface InterfaceObs {
  readonly name: string;
  /** ARPHRD type from /sys/class/net/<name>/type (1 Ethernet, 65534 TUN, 512 PPP, 768+ IP tunnels). */
  readonly type?: number;
  readonly mtu?: number;
}

export interface RouteObs {
  readonly to: string;
  readonly dev?: string;
  readonly gateway?: string;
  readonly src?: string;
}

export interface VpnObs {
  readonly interfaces: readonly InterfaceObs[];
  readonly sip?: RouteObs;
  readonly turn?: RouteObs;
  /** Route lookups for two outside addresses, one in each half of the address space (OpenVPN's def1 routes). */
  readonly outside: readonly RouteObs[];
  /** Routers between the seat and each server: the smallest TTL that reached it, less one; undefined when unmeasured. */
  readonly routersToSip?: number;
  readonly routersToTurn?: number;
  readonly reflexive?: string;
}

const TUNNEL_NAME = /^(tun|tap|wg|ppp|utun|ipsec)\d*/;
/** ARPHRD_NONE (TUN), ARPHRD_PPP, and the kernel's IP-in-IP, SIT, GRE, IPv6 tunnel types. */
const TUNNEL_TYPES = new Set([65534, 512, 768, 769, 776, 778, 823]);

export const isTunnel = (i: InterfaceObs): boolean => TUNNEL_NAME.test(i.name) || (i.type !== undefined && TUNNEL_TYPES.has(i.type));

export function vpnVerdicts(o: VpnObs): Verdicts {
  const tunnels = o.interfaces.filter(isTunnel);
  const tunnelNames = new Set(tunnels.map((t) => t.name));
  const describe = (label: string, r: RouteObs | undefined): string =>
    r ? `${label} ${r.to} via ${r.dev ?? "?"}${r.gateway ? ` (gateway ${r.gateway})` : ""}${r.src ? ` from ${r.src}` : ""}` : `${label}: no route looked up`;
  const routes = `${describe("SIP server", o.sip)}; ${describe("TURN server", o.turn)}`;
  const inTunnel = [o.sip, o.turn].filter((r): r is RouteObs => !!r?.dev && tunnelNames.has(r.dev));
  const defaultInTunnel = o.outside.length > 0 && o.outside.every((r) => !!r.dev && tunnelNames.has(r.dev));
  const mtus = tunnels.map((t) => `${t.name} mtu ${t.mtu ?? "?"}`).join(", ");
  const count = (n: number | undefined): string => (n === undefined ? "? (no echo reply)" : n >= 2 ? "2 or more" : String(n));
  const hops = `routers on the way: ${count(o.routersToSip)} to the SIP server, ${count(o.routersToTurn)} to the TURN server`;
  const reflexive = o.reflexive ? `; the TURN server sees the seat as ${o.reflexive}` : "";

  // A tunnel's far end forwards what it decapsulates, so a tunnelled packet crosses at least two routers
  // (the tunnel's entry and its exit) that each decrement its TTL. One router or none between the seat
  // and a server therefore rules a (routed) tunnel out for that server; more says nothing, since the
  // seat cannot see what a gateway upstream does with its packets.
  const direct = (n: number | undefined): boolean => n !== undefined && n <= 1;
  const noTunnelPossible = direct(o.routersToSip) && direct(o.routersToTurn);
  const noRouterAtAll = o.routersToSip === 0 && o.routersToTurn === 0;

  let vpn: Verdict;
  let vpnMode: Verdict;
  if (inTunnel.length > 0) {
    vpn = v("yes", `${routes}: through the tunnel interface ${[...new Set(inTunnel.map((r) => r.dev))].join(", ")} (${mtus})${reflexive}`);
    vpnMode = v(
      defaultInTunnel ? "full" : "split",
      `${defaultInTunnel ? "the default route goes" : "only some routes go"} through ${[...tunnelNames].join(", ")}; ${routes}`,
    );
  } else if (tunnels.length > 0) {
    vpn = noTunnelPossible
      ? v("no", `a tunnel interface exists (${mtus}) but neither server is routed through it (${routes}), and ${hops}`)
      : inconclusive(
          `a tunnel interface exists (${mtus}) but neither server is routed through it (${routes}); ${hops}, so a tunnel upstream cannot be ruled out`,
        );
    vpnMode = v(
      defaultInTunnel ? "full" : "split",
      `${tunnels.map((t) => t.name).join(", ")} carries ${defaultInTunnel ? "the default route" : "some routes, not the default"}`,
    );
  } else {
    vpn = noTunnelPossible
      ? v("no", `no tunnel interface on the seat (${routes}), and ${hops}: too few for a tunnel's two ends${reflexive}`)
      : inconclusive(`no tunnel interface on the seat (${routes}); ${hops}: a site VPN gateway upstream would look the same${reflexive}`);
    vpnMode = noRouterAtAll
      ? v("none", `no tunnel interface on the seat and no router between it and either server`)
      : inconclusive(`no tunnel interface on the seat; ${hops}: a gateway upstream may run a split tunnel that carries none of this`);
  }
  return { vpn, vpnMode };
}

// --------------------------------------------------------------------------------------------- lateVerdict

export interface FlowObs {
  readonly label: string;
  readonly sent: number;
  readonly answered: number;
  /** The flow went silent: ms of silence at the end and requests sent in it. */
  readonly silentMs: number;
  readonly sentWhileSilent: number;
  /** A fresh flow (new source port or connection) started once the first went silent was answered... */
  readonly freshAnswered: boolean;
  /** ...while the first stayed silent. */
  readonly oldSilentDuringFresh: boolean;
  readonly durationMs: number;
}

export function lateVerdict(flows: readonly FlowObs[]): Verdict | undefined {
  if (flows.length === 0) return undefined;
  const killed = flows.find((f) => f.answered >= 1 && f.silentMs >= 1000 && f.sentWhileSilent >= 10 && f.freshAnswered && f.oldSilentDuringFresh);
  const say = (f: FlowObs): string =>
    `${f.label}: ${f.answered} of ${f.sent} answered over ${(f.durationMs / 1000).toFixed(1)} s${f.silentMs > 0 ? `, then silent ${f.silentMs} ms (${f.sentWhileSilent} requests)` : ""}${f.freshAnswered ? "; a fresh flow was answered meanwhile" : ""}`;
  if (killed)
    return v(
      "yes",
      `${say(killed)}: the flow was let through, then killed, while a new one passed (a late verdict)${
        flows.length > 1
          ? `; ${flows
              .filter((f) => f !== killed)
              .map(say)
              .join("; ")}`
          : ""
      }`,
    );
  // Never "no": a late verdict may come after more packets or seconds than the probe can spend.
  return inconclusive(`${flows.map(say).join("; ")}: no flow was killed within what the probe can spend; a later verdict cannot be ruled out`);
}

// ---------------------------------------------------------------------------------------------- pathMtu

export interface MtuProbeResult {
  /** An echo reply came back. */
  readonly reply: boolean;
  /** The MTU an ICMP "fragmentation needed" or the kernel's own refusal named. */
  readonly mtuHint?: number;
}

export type MtuProbe = (size: number) => Promise<MtuProbeResult>;

/**
 * The largest IP packet with DF set that reaches the target, by probing sizes. A reply proves a size
 * arrives whole (DF: nobody may fragment it); a larger size the first link cannot carry never leaves
 * whole, so the first link's MTU bounds it. Negative evidence (no reply) is trusted only when a small
 * size was answered every time it was tried, so loss is not mistaken for a limit.
 */
export async function searchMtu(localMtu: number, probe: MtuProbe, o: { floor?: number; parallel?: number } = {}): Promise<{ mtu?: number; how: string }> {
  const floor = o.floor ?? 576;
  const top = await probe(localMtu);
  if (top.reply) return { mtu: localMtu, how: `a ${localMtu}-byte packet with DF set was answered, and the seat's own link carries no more` };
  // A hop said how much it carries: check it.
  let hint = top.mtuHint;
  for (let i = 0; i < 3 && hint !== undefined && hint < localMtu && hint >= floor; i++) {
    const at = await probe(hint);
    if (at.reply) {
      const above = await probe(hint + 1);
      if (!above.reply) return { mtu: hint, how: `a hop reported MTU ${hint} (ICMP fragmentation needed); ${hint} bytes answered, ${hint + 1} not` };
      break;
    }
    hint = at.mtuHint !== hint ? at.mtuHint : undefined;
  }
  // No word from the path (a PMTU black hole): a search, but only on a path that does not lose packets.
  const base = await probe(floor);
  if (!base.reply) return { how: `no echo reply even at ${floor} bytes: ICMP does not get through, nothing to measure with` };
  let lo = floor;
  let hi = localMtu;
  const k = o.parallel ?? 6;
  while (hi - lo > 1) {
    const step = (hi - lo) / (k + 1);
    const sizes = [...new Set(Array.from({ length: k }, (_, i) => Math.round(lo + step * (i + 1))).filter((s) => s > lo && s < hi))];
    const results = await Promise.all(sizes.map((s) => probe(s)));
    // A reply above a silence means loss, not a limit: the search cannot be trusted.
    const firstSilent = results.findIndex((r) => !r.reply);
    if (firstSilent >= 0 && results.slice(firstSilent).some((r) => r.reply))
      return { how: "replies came for a size above one that got none: packets are being lost, the search proves nothing" };
    for (let i = 0; i < sizes.length; i++) if (results[i]!.reply) lo = sizes[i]!;
    if (firstSilent >= 0) hi = sizes[firstSilent]!;
  }
  // The limit rests on silences: ask again, so a lost reply is not taken for it.
  const again = await Promise.all([probe(hi), probe(hi)]);
  if (again.some((r) => r.reply)) return { how: `${hi} bytes got no reply once and one later: packets are being lost, the search proves nothing` };
  return { mtu: lo, how: `no ICMP from the path (a black hole): ${lo} bytes with DF set answered, ${hi} not (asked three times)` };
}
