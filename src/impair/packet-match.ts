import { contains, parseCidr, type Cidr } from "../common/ipv4.js";
import type { ResolvedMatch } from "./model.js";

const PROTOCOLS: Readonly<Record<string, number>> = { icmp: 1, tcp: 6, udp: 17 };

/** A match compiled for the per-packet path: numbers only. */
export interface CompiledMatch {
  readonly protocol?: number;
  readonly port?: { readonly lo: number; readonly hi: number };
  readonly to?: Cidr;
  readonly from?: Cidr;
}

export function compileMatch(m: ResolvedMatch | undefined): CompiledMatch {
  if (!m) return {};
  const cidr = (text: string | undefined): Cidr | undefined => {
    if (text === undefined) return undefined;
    const c = parseCidr(text.includes("/") ? text : `${text}/32`);
    if (!c) throw new Error(`not an IPv4 prefix: "${text}"`);
    return c;
  };
  return { protocol: m.protocol ? PROTOCOLS[m.protocol] : undefined, port: m.port, to: cidr(m.to), from: cidr(m.from) };
}

/** Whether an IPv4 packet (from its first byte) is one the match selects. Non-IPv4 input never matches a filter. */
export function matches(m: CompiledMatch, packet: Buffer): boolean {
  if (m.protocol === undefined && !m.port && !m.to && !m.from) return true;
  if (packet.length < 20 || packet[0]! >> 4 !== 4) return false;
  const proto = packet[9]!;
  if (m.protocol !== undefined && proto !== m.protocol) return false;
  if (m.from && !contains(m.from, packet.readUInt32BE(12))) return false;
  if (m.to && !contains(m.to, packet.readUInt32BE(16))) return false;
  if (m.port) {
    const ihl = (packet[0]! & 0x0f) * 4;
    // Only a first fragment carries the ports.
    const fragmentOffset = packet.readUInt16BE(6) & 0x1fff;
    if ((proto !== 6 && proto !== 17) || fragmentOffset !== 0 || packet.length < ihl + 4) return false;
    const sport = packet.readUInt16BE(ihl);
    const dport = packet.readUInt16BE(ihl + 2);
    const within = (p: number): boolean => p >= m.port!.lo && p <= m.port!.hi;
    if (!within(sport) && !within(dport)) return false;
  }
  return true;
}
