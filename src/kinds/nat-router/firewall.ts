import { z } from "zod";
import { tableSwap } from "../../netfilter/table-swap.js";
import { nodeOrPrefix } from "../../topology/schema.js";

// A corporate firewall's "deep UDP restriction" on a router (CONDITIONS.md B.1, B.3): UDP blocked outright,
// DPI signatures that spot STUN/TURN/RTP/DTLS on UDP and "UDP framed by TCP", a late verdict that lets a
// classified flow start and then kills it, and the provider allowlist that is the recommended fix.
// Pure: the ruleset is data, unit tested, loaded by the nat-router kind.

/** Offsets are in bits: `@th,64` is the first UDP payload byte; `@ih` is the TCP payload, options skipped. */
export const SIGNATURES = {
  "stun-udp": { proto: "udp", match: "@th,64,2 0 @th,96,32 0x2112a442", what: "STUN/TURN over UDP on any port (top bits 00, magic cookie at payload byte 4)" },
  "channeldata-udp": { proto: "udp", match: "@th,64,8 0x40-0x4f", what: "TURN ChannelData over UDP (first byte 0x40–0x4F)" },
  "rtp-udp": { proto: "udp", match: "@th,64,2 2 @th,73,7 { 0, 8, 9, 18, 96-127 }", what: "RTP/SRTP v2 with an audio payload type (0, 8, 9, 18, 96–127)" },
  "rtcp-udp": { proto: "udp", match: "@th,64,2 2 @th,72,8 200-204", what: "RTCP (packet types 200–204)" },
  "dtls-udp": { proto: "udp", match: "@th,64,8 0x16 @th,72,16 { 0xfefd, 0xfeff }", what: "a DTLS 1.0/1.2 handshake (DTLS-SRTP)" },
  "stun-tcp": { proto: "tcp", match: "@ih,32,32 0x2112a442", what: "STUN at the start of a TCP payload: TURN over TCP" },
  "rfc4571-tcp": { proto: "tcp", match: "@ih,48,32 0x2112a442", what: "RFC 4571-framed STUN in TCP (2-byte length, then STUN): ICE-TCP" },
} as const;
export type Signature = keyof typeof SIGNATURES;
export const SIGNATURE_NAMES = Object.keys(SIGNATURES) as [Signature, ...Signature[]];

export const FirewallSpec = z.strictObject({
  udp: z.enum(["allow", "block"]).default("allow").describe("block: no UDP crosses the router except DNS (port 53)"),
  fragments: z
    .enum(["allow", "drop"])
    .default("allow")
    .describe("drop: every IP fragment is dropped before reassembly, as many firewalls do: a UDP message larger than the MTU (a big INVITE) never arrives"),
  fragNeeded: z
    .enum(["allow", "drop"])
    .default("allow")
    .describe(
      "drop: ICMP \"fragmentation needed\" is dropped, the router's own and what it forwards, so a sender never learns the path MTU (RFC 1191): TCP's full-size segments vanish where the MTU shrinks (a PMTU black hole)",
    ),
  allow: z
    .array(nodeOrPrefix)
    .max(64)
    .refine((l) => new Set(l).size === l.length, "each entry once")
    .default([])
    .describe("the provider allowlist: node names or IPv4 prefixes whose traffic (both ways) no rule here touches"),
  block: z
    .array(z.enum(SIGNATURE_NAMES))
    .refine((l) => new Set(l).size === l.length, "each signature once")
    .default([])
    .describe("DPI signatures dropped on sight; a TCP flow is killed whole once one matches"),
  lateBlock: z
    .strictObject({
      signatures: z
        .array(z.enum(SIGNATURE_NAMES))
        .refine((l) => new Set(l).size === l.length, "each signature once")
        .min(1)
        .describe("signatures that classify a flow"),
      afterPackets: z
        .number()
        .int()
        .min(1)
        .max(1_000_000)
        .optional()
        .describe("packets (in the flow's original direction) let through before the flow is dropped"),
      afterSeconds: z.number().int().min(1).max(3600).optional().describe("seconds after classification before the flow is dropped"),
    })
    .refine((l) => (l.afterPackets === undefined) !== (l.afterSeconds === undefined), { message: "give afterPackets or afterSeconds (one of them)" })
    .optional()
    .describe("the NGFW 'connected, then dropped' behaviour: classify, let the flow start, then kill it"),
});
export type FirewallSpec = z.infer<typeof FirewallSpec>;

export const FIREWALL_TABLE = "callpath_fw";
/** conntrack marks: a TCP flow caught by a signature, and a flow classified for the late verdict. */
const KILLED = "0x00c0ff01";
const CLASSIFIED = "0x00c0ff02";

/** How a rule ("stun-udp", "late verdict") is keyed in `parseCounters`' result. */
export function ruleKey(rule: string): string {
  return rule.replace(/[^a-z0-9]/g, "_");
}

/** The counter each rule counts its drops in, as `nft list counters` names it. */
export function counterName(rule: string): string {
  return `cp_${ruleKey(rule)}`;
}

export function isActive(f: FirewallSpec): boolean {
  return f.udp === "block" || f.fragments === "drop" || f.fragNeeded === "drop" || f.block.length > 0 || f.lateBlock !== undefined;
}

/** `allowed`: the allowlist resolved to prefixes ("198.51.100.7/32"). */
export function firewallRuleset(f: FirewallSpec, allowed: readonly string[]): string {
  const counters = new Set<string>();
  const rule = (name: string, body: string): string => {
    counters.add(counterName(name));
    return `    ${body.replace("COUNT", `counter name "${counterName(name)}"`)}`;
  };
  const lines: string[] = [];
  // Before the allowlist: a firewall that drops this ICMP drops it whoever the flow belongs to.
  const fragNeeded = f.fragNeeded === "drop" ? [rule("frag-needed", "icmp type destination-unreachable icmp code frag-needed COUNT drop")] : [];
  lines.push(...fragNeeded);
  const allowlist = (): string[] => {
    if (allowed.length === 0) return [];
    const set = `{ ${allowed.join(", ")} }`;
    return [rule("allowlist", `ip daddr ${set} COUNT accept`), rule("allowlist", `ip saddr ${set} COUNT accept`)];
  };
  lines.push(...allowlist());
  // Fragments are judged before reassembly (conntrack defragments at −400), so every one of them, first or
  // later, is seen and dropped: what reaches the forward hook is already whole.
  const fragments = f.fragments === "drop" ? [...allowlist(), rule("fragments", "ip frag-off & 0x3fff != 0 COUNT drop")] : [];
  for (const s of f.block) {
    const sig = SIGNATURES[s];
    // A TCP stream caught once is killed whole, as DPI engines do: its later segments carry no signature.
    lines.push(rule(s, `meta l4proto ${sig.proto} ${sig.match} ${sig.proto === "tcp" ? `ct mark set ${KILLED} ` : ""}COUNT drop`));
  }
  if (f.block.some((s) => SIGNATURES[s].proto === "tcp")) lines.push(rule("killed-flow", `ct mark ${KILLED} COUNT drop`));
  const sets: string[] = [];
  if (f.udp === "block") {
    // DNS first, then the drop: "udp sport != 53 udp dport != 53" is merged by nft 1.0.6 into one 32-bit
    // comparison of both ports, which then matches DNS too.
    lines.push("    meta l4proto udp udp dport 53 accept", "    meta l4proto udp udp sport 53 accept", rule("udp-block", "meta l4proto udp COUNT drop"));
  }
  if (f.lateBlock) {
    const { signatures, afterPackets, afterSeconds } = f.lateBlock;
    // By time: the flow's conntrack id sits in a set whose elements expire; once gone, the flow is dropped.
    const grace = afterSeconds !== undefined ? " add @late_grace { ct id }" : "";
    if (afterSeconds !== undefined) sets.push(`  set late_grace { typeof ct id; flags dynamic, timeout; timeout ${afterSeconds}s; }`);
    for (const s of signatures) {
      const sig = SIGNATURES[s];
      lines.push(`    meta l4proto ${sig.proto} ${sig.match} ct mark != ${CLASSIFIED} ct mark set ${CLASSIFIED}${grace}`);
    }
    lines.push(
      rule(
        "late-verdict",
        afterSeconds !== undefined
          ? `ct mark ${CLASSIFIED} ct id != @late_grace COUNT drop`
          : `ct mark ${CLASSIFIED} ct original packets > ${afterPackets} COUNT drop`,
      ),
    );
  }
  return [
    `table inet ${FIREWALL_TABLE} {`,
    ...[...counters].map((c) => `  counter ${c} { }`),
    ...sets,
    `  chain dpi_forward {`,
    // Before the NAT table's forward chain, whose accepts cannot undo a drop here.
    `    type filter hook forward priority filter - 1; policy accept;`,
    ...lines,
    `  }`,
    ...(fragments.length > 0 ? [`  chain fragments_in {`, `    type filter hook prerouting priority -500; policy accept;`, ...fragments, `  }`] : []),
    // The router's own "fragmentation needed" (a packet too big for its next link, DF set) leaves by output.
    ...(fragNeeded.length > 0 ? [`  chain icmp_out {`, `    type filter hook output priority filter; policy accept;`, ...fragNeeded, `  }`] : []),
    `}`,
    "",
  ].join("\n");
}

/** Drops per rule (keyed by `ruleKey`) from `nft -j list counters table inet callpath_fw`. */
export function parseCounters(json: string): Record<string, number> {
  const out: Record<string, number> = {};
  const parsed = JSON.parse(json) as { nftables?: Array<{ counter?: { name: string; packets: number } }> };
  for (const item of parsed.nftables ?? []) if (item.counter) out[item.counter.name.replace(/^cp_/, "")] = item.counter.packets;
  return out;
}

/** The firewall as it changes while the lab runs, in one transaction; an inactive firewall leaves no table. */
export function firewallSwap(f: FirewallSpec, allowed: readonly string[]): string {
  return tableSwap("inet", FIREWALL_TABLE, isActive(f) ? firewallRuleset(f, allowed) : null);
}
