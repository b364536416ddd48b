import { type CaptureInfo, count, evidence, type Evidence, type Finding, pushTo, seenAt } from "./finding.js";
import type { InspectPacket } from "./packets.js";
import { transactions } from "./sip.js";

// IP fragments and ICMP "fragmentation needed" (CONDITIONS.md C.1: VPN/MTU). A datagram is its
// fragments by source, destination, IP ID and protocol; tshark dissects what they carry on the frame that
// completes it (a SIP INVITE, an OpenVPN packet). ICMP type 3 code 4 names the MTU of the link that could
// not carry a packet with DF set (RFC 1191).

export interface Datagram {
  readonly key: string;
  readonly src: string;
  readonly dst: string;
  readonly fragments: readonly InspectPacket[];
  /** The frame tshark reassembled it on, if every fragment was captured somewhere. */
  readonly completed: InspectPacket | null;
  readonly size: number;
  readonly carries: string;
}

export function tunnelOf(p: InspectPacket): "openvpn" | "wireguard" | null {
  return p.protocols.includes("openvpn") ? "openvpn" : p.protocols.includes("wg") ? "wireguard" : null;
}

function carries(p: InspectPacket | null): string {
  if (!p) return "(not reassembled: a fragment is missing)";
  if (p.sip) return p.sip.status === null ? `SIP ${p.sip.method} (Call-ID ${p.sip.callId})` : `SIP ${p.sip.status} (${p.sip.method})`;
  const t = tunnelOf(p);
  if (t) return t === "openvpn" ? "OpenVPN (a tunnelled packet)" : "WireGuard (a tunnelled packet)";
  const top = p.protocols.filter((x) => !["eth", "ethertype", "ip", "data", "sll"].includes(x)).join("/");
  return top || p.transport;
}

export function datagrams(packets: readonly InspectPacket[]): Datagram[] {
  const groups = new Map<string, InspectPacket[]>();
  for (const p of packets) {
    if (!p.fragment || p.transport === "icmp") continue;
    const key = `${p.src}|${p.dst}|${p.ipId}|${p.transport}`;
    pushTo(groups, key, p);
  }
  return [...groups.entries()].map(([key, fs]) => {
    const completed = fs.find((p) => p.fragment!.offset > 0 && !p.fragment!.more && (p.sip !== null || p.udpLength !== null || tunnelOf(p) !== null)) ?? null;
    const last = fs.find((p) => !p.fragment!.more);
    return {
      key,
      src: fs[0]!.src,
      dst: fs[0]!.dst,
      fragments: fs,
      completed,
      size: completed?.udpLength ?? (last ? last.fragment!.offset * 8 + last.length - 20 : 0),
      carries: carries(completed),
    };
  });
}

export function fragmentFindings(packets: readonly InspectPacket[], info: CaptureInfo): Finding[] {
  const out: Finding[] = [];
  const ds = datagrams(packets);
  if (ds.length > 0) {
    const byWhat = new Map<string, Datagram[]>();
    for (const d of ds) {
      const what = d.carries.replace(/ \(Call-ID [^)]*\)/, "");
      pushTo(byWhat, `${what}|${d.src}|${d.dst}`, d);
    }
    const lines = [...byWhat.entries()].map(([k, list]) => {
      const [what, src, dst] = k.split("|");
      const pieces = Math.max(...list.map((d) => new Set(d.fragments.map((f) => f.fragment!.offset)).size));
      return `${count(list.length, "datagram")} ${src} → ${dst} carrying ${what}, ${Math.max(...list.map((d) => d.size))} bytes in ${pieces} fragments`;
    });
    const incomplete = ds.filter((d) => d.completed === null);
    const sipRequests = ds.filter((d) => d.completed?.sip && d.completed.sip.status === null).map((d) => d.completed!.sip!.callId);
    // Fragments are a problem when something was lost: a datagram never completed, or a fragmented request nobody answered.
    const unanswered = transactions(packets).filter((t) => !t.final && t.requests.some((r) => r.fragment !== null));
    const tunnel = ds.map((d) => (d.completed ? tunnelOf(d.completed) : null)).find((t) => t !== null) ?? null;
    const ev: Evidence[] = [];
    for (const list of byWhat.values()) {
      const d = list[0]!;
      const first = d.fragments.find((f) => f.fragment!.offset === 0) ?? d.fragments[0]!;
      ev.push(evidence(first, info.start, `first fragment, IP ID 0x${first.ipId.toString(16)}`));
      if (d.completed) ev.push(evidence(d.completed, info.start, `last fragment: ${d.carries}, ${d.size} bytes reassembled`));
    }
    const where = seenAt(ds.flatMap((d) => d.fragments));
    out.push({
      family: "fragments",
      id: "ip-fragments",
      severity: unanswered.length > 0 || incomplete.length > 0 ? "problem" : "context",
      title: `${count(ds.length, "IP datagram")} travelled in fragments${sipRequests.length > 0 ? `, SIP among them` : ""}${tunnel ? `, ${tunnel === "openvpn" ? "OpenVPN" : "WireGuard"} tunnel packets among them` : ""}`,
      detail: [
        `${lines.join("; ")}.`,
        sipRequests.length > 0
          ? "A SIP message larger than the path's MTU (1500 bytes on Ethernet) is sent over UDP in IP fragments; a path that drops fragments (many firewalls, NATs and VPN concentrators do) loses the whole message."
          : "",
        tunnel ? "The tunnel's own packets were fragmented: what is inside, plus the encapsulation, did not fit the underlay's MTU." : "",
        incomplete.length > 0 ? `${count(incomplete.length, "datagram")} lacked a fragment everywhere it was captured.` : "",
        where.length > 0 ? `Fragments were captured at ${where.join(", ")}.` : "",
      ]
        .filter(Boolean)
        .join(" "),
      evidence: ev.slice(0, 6),
      facts: { kind: "fragments", datagrams: ds.length, largestDatagram: Math.max(...ds.map((d) => d.size)), sipRequests, tunnel },
    });
  }
  const needed = packets.filter((p) => p.icmp?.type === 3 && p.icmp.code === 4);
  if (needed.length > 0) {
    const mtus = [...new Set(needed.map((p) => p.icmp!.mtu).filter((m): m is number => m !== null))].sort((a, b) => a - b);
    const first = needed[0]!;
    out.push({
      family: "fragments",
      id: "icmp-frag-needed",
      severity: "context",
      title: `ICMP "fragmentation needed" from ${first.src}: a link on the path has an MTU of ${mtus.join(", ") || "?"} bytes`,
      detail: `${count(needed.length, "ICMP destination unreachable (type 3, code 4) message")} told senders that packets with DF set were too big for the next hop (RFC 1191)${first.quoted ? `, about packets from ${first.quoted.src} to ${first.quoted.dst}` : ""}. Path MTU discovery shrinks TCP segments after it; if a box dropped these ICMP messages, large segments would vanish without a word (a PMTU black hole).`,
      evidence: needed
        .slice(0, 4)
        .map((p) => evidence(p, info.start, `fragmentation needed, MTU ${p.icmp!.mtu ?? "?"}${p.quoted ? ` (about ${p.quoted.src} → ${p.quoted.dst})` : ""}`)),
      facts: { kind: "frag-needed", mtu: mtus[0] ?? null },
    });
  }
  // A tunnel is context: a VPN carries this traffic (its own fragments, if any, are counted above).
  const tunnelled = packets.filter((p) => tunnelOf(p) !== null);
  if (tunnelled.length > 0) {
    const p = tunnelled[0]!;
    const kind = tunnelOf(p)!;
    out.push({
      family: "fragments",
      id: "vpn-tunnel",
      severity: "context",
      title: `${kind === "openvpn" ? "an OpenVPN" : "a WireGuard"} tunnel between ${p.src} and ${p.dst} over ${p.transport.toUpperCase()}`,
      detail: `${count(tunnelled.length, "tunnel packet")} in the capture: what travels inside is encrypted, and the tunnel's MTU is the underlay's minus the encapsulation.`,
      evidence: [evidence(p, info.start, `${kind === "openvpn" ? "OpenVPN" : "WireGuard"} packet`)],
      facts: { kind: "tunnel", protocol: kind, transport: p.transport === "tcp" ? "tcp" : "udp" },
    });
  }
  return out;
}
