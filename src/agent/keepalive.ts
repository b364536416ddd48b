import { randomBytes } from "node:crypto";
import { bindingRequest, decode, formatAddress, xorMappedAddress } from "../diagnose/reference/stun.js";
import { headerValue } from "./sip-trace.js";
import { topVia, viaSource } from "./via.js";

// A phone's NAT keep-alives to its proxy over UDP, of the three kinds phones offer: CRLF (RFC 5626 §3.5.1
// defines the CRLF ping for connection-oriented transports only: over UDP nobody answers it), OPTIONS to
// the proxy (answered with the phone's public address in the response's Via received/rport), and a STUN
// Binding request on the SIP socket (RFC 5626 §4.4.1, answered with XOR-MAPPED-ADDRESS). Only an answer
// tells the phone where its NAT maps it now; a phone that sees that address change registers again at once
// (RFC 5626 §4.4.1's flow recovery), which is how it survives a router that rebooted and re-mapped it.

export const KEEPALIVE_KINDS = ["crlf", "options", "stun"] as const;
export type KeepaliveKind = (typeof KEEPALIVE_KINDS)[number];

/** One keep-alive on the wire, and how to read its answer. */
export interface KeepaliveProbe {
  readonly bytes: Buffer;
  /** For a SIP answer: the branch the response carries; for STUN: the transaction id (hex). */
  readonly key: string | null;
}

export interface KeepaliveTarget {
  readonly user: string;
  readonly domain: string;
  /** The agent's own address and SIP port, as its requests write them. */
  readonly address: string;
  readonly port: number;
  readonly proxy: { readonly host: string; readonly port: number };
}

/** An OPTIONS to the proxy itself (no user part: Kamailio answers it as a keep-alive), rport asked for. */
export function optionsKeepalive(t: KeepaliveTarget, cseq: number): KeepaliveProbe {
  const branch = `z9hG4bK${randomBytes(8).toString("hex")}`;
  const message = [
    `OPTIONS sip:${t.proxy.host}:${t.proxy.port} SIP/2.0`,
    `Via: SIP/2.0/UDP ${t.address}:${t.port};branch=${branch};rport`,
    "Max-Forwards: 70",
    `From: <sip:${t.user}@${t.domain}>;tag=${randomBytes(5).toString("hex")}`,
    `To: <sip:${t.proxy.host}:${t.proxy.port}>`,
    `Call-ID: ${randomBytes(10).toString("hex")}`,
    `CSeq: ${cseq} OPTIONS`,
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");
  return { bytes: Buffer.from(message), key: branch };
}

export function keepaliveProbe(kind: KeepaliveKind, t: KeepaliveTarget, seq: number): KeepaliveProbe {
  if (kind === "crlf") return { bytes: Buffer.from("\r\n\r\n"), key: null };
  if (kind === "options") return optionsKeepalive(t, seq);
  const { bytes, transactionId } = bindingRequest();
  return { bytes, key: transactionId.toString("hex") };
}

/**
 * A datagram read as the answer to a keep-alive: the key it answers and the public address it reports
 * ("ip:port"), or null when it is neither a STUN success nor a SIP response to an OPTIONS. A SIP answer
 * without received/rport reports the Via's own sent-by: the server saw no NAT.
 */
export function keepaliveAnswer(datagram: Buffer): { key: string; publicAddress: string } | null {
  const stun = decode(datagram);
  if (stun) {
    const mapped = stun.cls === "success" ? xorMappedAddress(stun) : undefined;
    return mapped ? { key: stun.transactionId.toString("hex"), publicAddress: formatAddress(mapped) } : null;
  }
  const text = datagram.toString("utf8");
  if (!text.startsWith("SIP/2.0 2") || !/^\s*\d+\s+OPTIONS\s*$/i.test(headerValue(text, "cseq"))) return null;
  const via = responseVia(text);
  return via ? { key: via.branch, publicAddress: via.publicAddress } : null;
}

/** A response's top Via: its branch, and the address the server saw the request come from (received/rport). */
function responseVia(response: string): { branch: string; publicAddress: string } | null {
  const via = topVia(response);
  if (!via?.branch) return null;
  const { host, port } = viaSource(via);
  return { branch: via.branch, publicAddress: `${host}:${port}` };
}

/** Where the registrar saw a REGISTER come from, read from its 2xx; null for anything else. */
export function registeredFrom(response: string): string | null {
  if (!response.startsWith("SIP/2.0 2") || !/^\s*\d+\s+REGISTER\s*$/i.test(headerValue(response, "cseq"))) return null;
  return responseVia(response)?.publicAddress ?? null;
}

/** What a phone's keep-alives have learnt, as the test process reads it. */
export interface KeepaliveStats {
  readonly kind: KeepaliveKind;
  readonly sent: number;
  readonly answered: number;
  /** The public address the last answer reported. */
  readonly publicAddress: string | null;
  /** Answers that reported an address other than the one the phone is registered from: each one re-registered it. */
  readonly addressChanges: number;
}

/** Keep-alives whose answer may still come: late answers beyond these are not counted. */
export const MAX_PENDING = 16;

/** Counts keep-alives and their answers, and says when an answer shows the phone's mapping moved. */
export class KeepaliveTracker {
  private sent = 0;
  private answered = 0;
  private publicAddress: string | null = null;
  private addressChanges = 0;
  private registered: string | null = null;
  private readonly pending = new Set<string>();

  constructor(readonly kind: KeepaliveKind) {}

  onSent(probe: KeepaliveProbe): void {
    this.sent++;
    if (!probe.key) return;
    this.pending.add(probe.key);
    // Unanswered ones are forgotten after a while: a provider that never answers must not grow this.
    if (this.pending.size > MAX_PENDING) this.pending.delete(this.pending.values().next().value!);
  }

  /** The registrar granted a registration sent from `publicAddress` (its 2xx's Via received/rport). */
  registeredAs(publicAddress: string): void {
    this.registered = publicAddress;
  }

  /**
   * Records an answer; true when the public address it reports is not the one the phone registered from
   * (or, before any registration, not the one the last answer reported): the registrar's binding is stale.
   */
  onAnswer(key: string, publicAddress: string): boolean {
    if (!this.pending.delete(key)) return false;
    this.answered++;
    const known = this.registered ?? this.publicAddress;
    const changed = known !== null && known !== publicAddress;
    this.publicAddress = publicAddress;
    if (changed) this.addressChanges++;
    return changed;
  }

  /** Whether `key` is one of ours still waiting for its answer. */
  awaits(key: string): boolean {
    return this.pending.has(key);
  }

  stats(): KeepaliveStats {
    return { kind: this.kind, sent: this.sent, answered: this.answered, publicAddress: this.publicAddress, addressChanges: this.addressChanges };
  }
}
