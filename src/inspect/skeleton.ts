import { Document, isMap, isScalar, type Node as YamlNode } from "yaml";
import { NAME } from "../topology/fields.js";
import { isPrivate } from "./address.js";
import type { Cause } from "./causes.js";
import type { Finding } from "./finding.js";
import type { InspectPacket } from "./packets.js";
import { transactions } from "./sip.js";
import { carrier, stunTransactions } from "./stun.js";

// A topology that reproduces what the capture shows: the seat (alice) behind the boxes the causes name (a
// nat-router with the ALG profile the rewrites match, a firewall that blocks UDP, a VPN whose path drops
// fragments), the provider (kamailio, a TURN server when the seat used one) and a far end (bob). Each
// line a cause put there carries a comment naming the finding and frames it comes from. It is data for
// `callpath validate` and `callpath up`, and a starting point: what the capture cannot show (the far end's
// network, timings) is callpath's default.

/** What the seat (the phone or app the capture is about) is, as far as the capture shows. */
export interface Seat {
  readonly address: string | null;
  readonly behindNat: boolean;
  readonly webrtc: boolean;
  readonly turnTransports: ReadonlyArray<"udp" | "tcp" | "tls">;
  readonly sipTransport: "udp" | "tcp" | "tls" | "ws" | "wss";
  readonly serverPort5080: boolean;
}

/** callpath's own INVITE without padding is about this large; `sdpPadding` adds to it. */
export const BASE_INVITE_BYTES = 675;

function seatAddress(findings: readonly Finding[], causes: readonly Cause[], packets: readonly InspectPacket[]): string | null {
  for (const c of causes)
    for (const i of c.findings) {
      const f = findings[i]!.facts;
      if (f.kind === "udp-unanswered") return f.client;
      if (f.kind === "sip-timeout") return f.from;
      if (f.kind === "alg-present" || f.kind === "behind-nat") return f.privateAddress;
      if (f.kind === "alg") {
        const ev = findings[i]!.evidence[0];
        if (ev) return ev.from.replace(/:\d+$/, "");
      }
    }
  for (const f of findings) if (f.facts.kind === "behind-nat" || f.facts.kind === "alg-present") return f.facts.privateAddress;
  const register = transactions(packets).find((t) => t.method === "REGISTER" || t.method === "INVITE");
  return register?.requests[0]?.src ?? null;
}

export function seatOf(findings: readonly Finding[], causes: readonly Cause[], packets: readonly InspectPacket[]): Seat {
  const address = seatAddress(findings, causes, packets);
  const mine = (p: InspectPacket): boolean => address !== null && p.src === address;
  const stun = stunTransactions(packets).filter((t) => mine(t.requests[0]!));
  const allocations = stun.filter((t) => t.method === "Allocate");
  const order = ["udp", "tcp", "tls"] as const;
  const turnTransports = order.filter((o) => allocations.some((t) => carrier(t.requests[0]!) === o));
  const sip = transactions(packets).filter((t) => mine(t.requests[0]!));
  const hellos = packets.filter((p) => mine(p) && p.tls?.types.includes(1));
  const webrtc = stun.length > 0;
  const over = sip[0] ? carrier(sip[0].requests[0]!) : null;
  let sipTransport: Seat["sipTransport"] = "udp";
  if (webrtc) sipTransport = over === "tcp" && sip[0]?.requests[0]?.dport === 80 ? "ws" : "wss";
  else if (over === "tls" || hellos.some((p) => p.dport === 5061)) sipTransport = "tls";
  else if (over === "tcp") sipTransport = "tcp";
  return {
    address,
    behindNat:
      (address !== null && isPrivate(address)) ||
      findings.some((f) => f.facts.kind === "behind-nat" || f.facts.kind === "alg" || f.facts.kind === "alg-present"),
    webrtc,
    turnTransports: turnTransports.length > 0 ? turnTransports : ["udp", "tcp", "tls"],
    sipTransport,
    serverPort5080: sip.some((t) => carrier(t.requests[0]!) === "udp" && t.requests[0]!.dport === 5080),
  };
}

/** Comments to hang on the skeleton: a path of keys and what to say there. */
type Notes = Array<{ path: readonly string[]; text: string }>;

function frames(f: Finding, n = 3): string {
  const fs = f.evidence.slice(0, n).map((e) => e.frame);
  return fs.length > 0 ? `frame${fs.length > 1 ? "s" : ""} ${fs.join(", ")}` : "";
}

function topologyName(source: string): string {
  const base = source
    .replace(/^.*\//, "")
    .replace(/\.(pcapng|pcap|cap)(\.gz)?$/i, "")
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  const name = `inspected-${base}`.slice(0, 31).replace(/-+$/, "");
  return NAME.test(name) ? name : "inspected";
}

export interface Skeleton {
  readonly yaml: string;
  /** The same, as data. */
  readonly topology: Record<string, unknown>;
  /** What the skeleton does not reproduce, in words. */
  readonly gaps: readonly string[];
}

export function buildSkeleton(source: string, findings: readonly Finding[], causes: readonly Cause[], packets: readonly InspectPacket[]): Skeleton {
  const seat = seatOf(findings, causes, packets);
  const notes: Notes = [];
  const gaps: string[] = [];
  const cause = (id: Cause["id"]): Cause | undefined => causes.find((c) => c.id === id);
  const findingOf = (c: Cause | undefined, kind: Finding["facts"]["kind"]): Finding | undefined =>
    c?.findings.map((i) => findings[i]!).find((f) => f.facts.kind === kind);
  const label = (c: Cause): string => `cause ${causes.indexOf(c) + 1} (${c.confidence})`;

  const alg = cause("sip-alg");
  const udp = cause("udp-blocked");
  const frag = cause("fragments-dropped");
  const cut = cause("media-cut");
  const fragNeeded = findings.find((f) => f.facts.kind === "frag-needed");
  const tunnel = findings.find((f) => f.facts.kind === "tunnel");
  const namedMtu = fragNeeded?.facts.kind === "frag-needed" && fragNeeded.facts.mtu !== null && fragNeeded.facts.mtu >= 576 ? fragNeeded.facts.mtu : null;
  // No tunnel in sight and nothing else a VPN would build: a narrow link on the way (a PPPoE WAN), which
  // the skeleton puts at the router's WAN end.
  const narrowLink = namedMtu !== null && tunnel === undefined && frag === undefined ? namedMtu : null;
  const vpnNeeded = frag !== undefined || tunnel !== undefined || (fragNeeded !== undefined && narrowLink === null);
  const routerNeeded = alg !== undefined || udp !== undefined || cut !== undefined || narrowLink !== null || (seat.behindNat && !vpnNeeded);

  const networks: Record<string, unknown> = { lan1: {} };
  const nodes: Record<string, Record<string, unknown>> = { kamailio: { kind: "sip-server", network: "internet" } };
  if (seat.webrtc) nodes.turn = { kind: "turn-server", network: "internet" };
  if (routerNeeded && vpnNeeded) networks.lan2 = {};
  networks.internet = { public: true };

  // The seat's way out: alice → [office (VPN client)] → [nat1] → internet.
  let aliceGateway: string | null = null;
  if (routerNeeded) {
    const nat1: Record<string, unknown> = { kind: "nat-router", lan: vpnNeeded ? "lan2" : "lan1", wan: "internet", nat: "port-restricted-cone" };
    if (alg?.alg) {
      nat1.alg = alg.alg === "unknown" ? "netfilter" : alg.alg;
      notes.push({ path: ["nodes", "nat1", "alg"], text: `${label(alg)}: ${frames(findings[alg.findings[0]!]!)}` });
    }
    if (narrowLink !== null && fragNeeded) {
      nat1.linkMtu = { internet: narrowLink };
      notes.push({
        path: ["nodes", "nat1", "linkMtu", "internet"],
        text: `ICMP fragmentation needed names MTU ${narrowLink}: ${frames(fragNeeded)} (no tunnel in the capture: a narrow link on the way, put at nat1's WAN)`,
      });
    }
    const firewall: Record<string, unknown> = {};
    if (udp) {
      firewall.udp = "block";
      notes.push({ path: ["nodes", "nat1", "firewall", "udp"], text: `${label(udp)}: ${frames(findings[udp.findings[0]!]!, 4)}` });
      const tcpTurn = udp.findings.map((i) => findings[i]!.facts).find((f) => f.kind === "turn" && f.transport === "tcp");
      if (tcpTurn?.kind === "turn" && tcpTurn.outcome === "no-answer") {
        firewall.block = ["stun-tcp"];
        notes.push({ path: ["nodes", "nat1", "firewall", "block"], text: "TURN over TCP got no answer either: DPI on STUN in TCP" });
      }
    }
    if (cut) {
      const f = findingOf(cut, "rtp-stops");
      const after = f?.facts.kind === "rtp-stops" ? Math.max(1, Math.round(f.facts.afterSeconds)) : 10;
      firewall.lateBlock = { signatures: ["rtp-udp"], afterSeconds: after };
      notes.push({
        path: ["nodes", "nat1", "firewall", "lateBlock"],
        text: `${label(cut)}: RTP stopped after ${after} s; a late verdict is one way to cut it`,
      });
    }
    if (Object.keys(firewall).length > 0) nodes.nat1 = { ...nat1, firewall };
    else nodes.nat1 = nat1;
    aliceGateway = "nat1";
  }
  if (vpnNeeded) {
    const vpn: Record<string, unknown> = { kind: "vpn-gateway", role: "concentrator", network: "internet" };
    if (tunnel?.facts.kind === "tunnel" && tunnel.facts.transport === "tcp") vpn.proto = "tcp";
    if (frag) {
      vpn.dropFragments = true;
      notes.push({
        path: ["nodes", "vpn", "dropFragments"],
        text: `${label(frag)}: ${frames(findings[frag.findings[0]!]!)}${tunnel ? "" : " (the capture shows no tunnel: a VPN concentrator is how callpath builds a path that drops fragments)"}`,
      });
    }
    if (namedMtu !== null && fragNeeded) {
      vpn.mtu = namedMtu;
      vpn.mssfix = 0;
      notes.push({ path: ["nodes", "vpn", "mtu"], text: `ICMP fragmentation needed names MTU ${namedMtu}: ${frames(fragNeeded)}` });
    }
    nodes.vpn = vpn;
    const office: Record<string, unknown> = { kind: "vpn-gateway", role: "client", lan: "lan1", wan: routerNeeded ? "lan2" : "internet", server: "vpn" };
    if (routerNeeded) office.gateway = "nat1";
    nodes.office = office;
    if (tunnel)
      notes.push({
        path: ["nodes", "office"],
        text: `the capture's ${tunnel.facts.kind === "tunnel" ? tunnel.facts.protocol : ""} tunnel: ${frames(tunnel, 1)}`,
      });
    aliceGateway = "office";
  }
  const sip: Record<string, unknown> = { server: "kamailio" };
  if (seat.sipTransport !== "udp") sip.transport = seat.sipTransport;
  if (seat.serverPort5080) sip.serverPort = 5080;
  const alice: Record<string, unknown> = { kind: "user-agent", network: "lan1" };
  if (aliceGateway) alice.gateway = aliceGateway;
  alice.sip = sip;
  if (seat.webrtc) alice.ice = { server: "turn", turn: [...seat.turnTransports] };
  if (frag) {
    const t = findingOf(frag, "sip-timeout");
    const size = t?.facts.kind === "sip-timeout" ? t.facts.size : 2475;
    alice.sdpPadding = Math.min(8000, Math.max(1000, Math.round((size - BASE_INVITE_BYTES) / 100) * 100));
    notes.push({ path: ["nodes", "alice", "sdpPadding"], text: `makes the INVITE about ${size} bytes, as in the capture` });
  }
  if (seat.sipTransport === "tls" && !seat.webrtc)
    gaps.push("The seat's SIP went over TLS: what it said is not in the capture unless its key log was; the skeleton uses callpath's own phone over TLS.");
  nodes.alice = alice;
  const bob: Record<string, unknown> = {
    kind: "user-agent",
    network: "internet",
    sip: seat.webrtc ? { server: "kamailio", transport: "wss" } : { server: "kamailio" },
  };
  if (seat.webrtc) bob.ice = { server: "turn" };
  nodes.bob = bob;
  if (!alg && !udp && !frag && !cut && causes.length > 0)
    gaps.push(`Not reproduced: ${causes.map((c) => c.id).join(", ")}: the capture shows the symptom, not a condition callpath can build from it.`);
  gaps.push("The far end (bob) and the provider are callpath's defaults: the capture does not show their networks.");

  const topology = {
    name: topologyName(source),
    description: `from callpath inspect ${source.replace(/^.*\//, "")}: ${causes.length > 0 ? causes.map((c) => c.id).join(", ") : "no cause found"}`.slice(
      0,
      1000,
    ),
    networks,
    nodes,
  };
  const doc = new Document(topology);
  doc.commentBefore = [
    ` Skeleton from callpath inspect ${source.replace(/^.*\//, "")}.`,
    ...(causes.length > 0
      ? causes.map((c, i) => ` cause ${i + 1} (${c.confidence}): ${c.title}`)
      : [" no cause found: a plain seat behind the network the capture shows"]),
    ` The seat is alice${seat.address ? ` (${seat.address} in the capture)` : ""}; check with: callpath validate <this file>`,
  ].join("\n");
  for (const n of notes) {
    const node = doc.getIn(n.path, true) as YamlNode | undefined;
    if (node && (isScalar(node) || isMap(node))) node.comment = ` ${n.text}`.replace(/\n/g, " ");
  }
  return { yaml: doc.toString({ lineWidth: 0 }), topology, gaps };
}
