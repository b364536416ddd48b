import { type AlgRules, rewrites } from "./alg-rules.js";

function describeScope(rules: AlgRules): string {
  const what = rules.messages === "both" ? "messages" : rules.messages;
  return rules.methods === undefined ? what : `${what} of ${rules.methods.join(", ")}`;
}
import { contentLength, findHeader, headerName, headerValueOf, parseSip, printable, sdpLines, serialise, type SipText } from "./sip-text.js";

/** Where a packet leaves the router from, as NAT has just made it (the ALG runs after SNAT). */
export interface Egress {
  readonly publicIp: string;
  readonly publicPort: number;
}

export type Verdict =
  | { readonly verdict: "pass"; readonly payload: Buffer; readonly summary: string; readonly changes: readonly string[] }
  | { readonly verdict: "drop"; readonly summary: string; readonly changes: readonly string[] };

/** What the ALG remembers between packets, bounded: REGISTER Call-IDs, and what it wrote for what. */
export class AlgState {
  private readonly registers = new Map<string, number>();
  private readonly written = new Map<string, string>();
  constructor(private readonly capacity = 4096) {}

  /** Remembers that `after` ("ip:port") was written in place of `before`. */
  wrote(after: string, before: string): void {
    if (this.written.size >= this.capacity) this.written.delete(this.written.keys().next().value!);
    this.written.set(after, before);
  }

  originalOf(hostport: string): string | undefined {
    return this.written.get(hostport);
  }

  /** True when this REGISTER is a refresh: its Call-ID was seen before with a lower CSeq. */
  isRefresh(callId: string, cseq: number): boolean {
    const first = this.registers.get(callId);
    if (first === undefined) {
      if (this.registers.size >= this.capacity) this.registers.delete(this.registers.keys().next().value!);
      this.registers.set(callId, cseq);
      return false;
    }
    return cseq > first;
  }
}

const PRIVATE = [/^10\./, /^192\.168\./, /^172\.(1[6-9]|2\d|3[01])\./, /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./];
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/;

/** Generic ALGs hunt for private literal addresses (RFC 5780 §4.6); names and public addresses pass. */
export function isPrivateLiteral(host: string): boolean {
  return IPV4.test(host) && PRIVATE.some((r) => r.test(host));
}

/**
 * One outbound SIP datagram through a (possibly faulty) ALG. Pure and total: malformed or hostile input
 * is passed through untouched with the reason, never thrown on.
 */
export function rewriteOutbound(payload: Buffer, egress: Egress, rules: AlgRules, state: AlgState): Verdict {
  const parsed = parseSip(payload);
  if (!parsed.ok) return { verdict: "pass", payload, summary: `untouched (${parsed.reason})`, changes: [] };
  const msg = parsed.msg;
  const label = msg.isRequest ? msg.method : `${msg.startLine.slice(8, 11)} ${msg.method}`;
  const declared = contentLength(msg);
  if (declared !== undefined && declared !== Buffer.byteLength(msg.body, "latin1")) {
    return {
      verdict: "pass",
      payload,
      summary: `${label} untouched (Content-Length ${declared} but ${Buffer.byteLength(msg.body, "latin1")} body bytes)`,
      changes: [],
    };
  }
  if (msg.isRequest && msg.method === "REGISTER" && rules.register === "drop-refresh") {
    const callId = findHeader(msg, "call-id") ?? "";
    if (state.isRefresh(callId, msg.cseq))
      return { verdict: "drop", summary: `REGISTER CSeq ${msg.cseq} dropped (a refresh of ${printable(callId.slice(0, 40))})`, changes: [] };
  }

  if (!rewrites(rules, msg)) return { verdict: "pass", payload, summary: `${label} untouched (the rules rewrite ${describeScope(rules)})`, changes: [] };

  const changes: string[] = [];
  const headers = msg.headers;
  const viaIndex = headers.findIndex((h) => headerName(h) === "via");
  if (rules.rewrite.includes("via") && viaIndex >= 0) {
    const { line, change } = rewriteVia(headers[viaIndex]!, egress, state);
    headers[viaIndex] = line;
    if (change) changes.push(change);
  }
  if (rules.rewrite.includes("contact")) {
    for (let i = 0; i < headers.length; i++) {
      if (headerName(headers[i]!) !== "contact") continue;
      const { line, change } = rewriteContact(headers[i]!, egress, rules.contactPort, state);
      headers[i] = line;
      if (change) changes.push(change);
    }
  }
  const reinvite = msg.isRequest && msg.method === "INVITE" && /;\s*tag=/i.test(findHeader(msg, "to") ?? "");
  if (msg.body.length > 0 && /^v=0/m.test(msg.body)) {
    const sdp = rewriteSdp(msg.body, egress, rules, reinvite);
    msg.body = sdp.body;
    changes.push(...sdp.changes);
  }
  if (changes.length > 0 && rules.contentLength === "fix") fixContentLength(msg);
  return {
    verdict: "pass",
    payload: serialise(msg),
    summary: `${label}${reinvite ? " (re-INVITE)" : ""}: ${changes.length ? changes.join(", ") : "nothing to rewrite"}`,
    changes,
  };
}

/** Top Via: "SIP/2.0/UDP host[:port];params". Its sent-by gets the public address and mapped port. */
function rewriteVia(line: string, egress: Egress, state: AlgState): { line: string; change?: string } {
  const m = /^([^:]+:\s*SIP\s*\/\s*2\.0\s*\/\s*[A-Za-z]+\s+)([^;:,\s]+)(?::(\d+))?/.exec(line);
  if (!m || !isPrivateLiteral(m[2]!)) return { line };
  const before = `${m[2]}${m[3] ? `:${m[3]}` : ""}`;
  const after = `${egress.publicIp}:${egress.publicPort}`;
  // A Via without a port means 5060 (RFC 3261 §18.2.2): restore it with one.
  state.wrote(after, m[3] ? before : `${before}:5060`);
  return { line: `${m[1]}${after}${line.slice(m[0].length)}`, change: `Via ${before}→${after}` };
}

function rewriteContact(line: string, egress: Egress, portPolicy: AlgRules["contactPort"], state: AlgState): { line: string; change?: string } {
  const name = line.slice(0, line.indexOf(":") + 1);
  const changes: string[] = [];
  // Every sip:/sips: URI in the header value; several Contacts may share one header line.
  const value = headerValueOf(line).replace(/(sips?:(?:[^@<>;,\s]+@)?)([^;:>,\s]+)(?::(\d+))?/g, (whole, scheme: string, host: string, port?: string) => {
    if (!isPrivateLiteral(host)) return whole;
    const newPort = portPolicy === "mapped" ? egress.publicPort : portPolicy === "5060" ? 5060 : port ? Number(port) : 5060;
    const after = `${egress.publicIp}:${newPort}`;
    state.wrote(after, `${host}:${port ?? 5060}`);
    changes.push(`Contact ${host}${port ? `:${port}` : ""}→${after}`);
    return `${scheme}${after}`;
  });
  return changes.length ? { line: `${name} ${value}`, change: changes.join(", ") } : { line };
}

function rewriteSdp(body: string, egress: Egress, rules: AlgRules, reinvite: boolean): { body: string; changes: string[] } {
  const changes: string[] = [];
  const lines = sdpLines(body).map((raw) => {
    const eol = /\r?\n$/.exec(raw)?.[0] ?? "";
    const line = raw.slice(0, raw.length - eol.length);
    const addr = /^([oc])=(.*\bIN IP4 )(\S+)$/.exec(line);
    if (addr && isPrivateLiteral(addr[3]!) && rules.rewrite.includes(addr[1] === "o" ? "sdp-origin" : "sdp-connection")) {
      changes.push(`SDP ${addr[1]}= ${addr[3]}→${egress.publicIp}`);
      return `${addr[1]}=${addr[2]}${egress.publicIp}${eol}`;
    }
    const media = /^m=(audio|video|image) (\d+)(.*)$/.exec(line);
    if (media && reinvite && rules.reinvite === "new-port") {
      const port = Number(media[2]) + 2;
      changes.push(`SDP m=${media[1]} ${media[2]}→${port} (re-INVITE, new allocation)`);
      return `m=${media[1]} ${port}${media[3]}${eol}`;
    }
    return raw;
  });
  return { body: lines.join(""), changes };
}

function fixContentLength(msg: SipText): void {
  const i = msg.headers.findIndex((h) => headerName(h) === "content-length");
  const length = Buffer.byteLength(msg.body, "latin1");
  if (i >= 0) msg.headers[i] = `${msg.headers[i]!.slice(0, msg.headers[i]!.indexOf(":"))}: ${length}`;
}

/** Where an inbound packet goes, as NAT has just made it (after DNAT). */
export interface Ingress {
  readonly privateIp: string;
  readonly privatePort: number;
}

const HOSTPORT = "(\\d{1,3}(?:\\.\\d{1,3}){3}(?::\\d+)?)";

/**
 * One inbound SIP datagram: the ALG undoes what it wrote on the way out, as Linux's helper does, or the
 * phone would discard its own responses (RFC 3261 §18.1.2) and miss requests for it. A response's top Via
 * (with received/rport), any Contact, and a request's Request-URI that carry an address the ALG wrote get
 * the original back. Total, like rewriteOutbound.
 */
export function rewriteInbound(payload: Buffer, ingress: Ingress, state: AlgState): Verdict {
  const parsed = parseSip(payload);
  if (!parsed.ok) return { verdict: "pass", payload, summary: `untouched (${parsed.reason})`, changes: [] };
  const msg = parsed.msg;
  const label = msg.isRequest ? msg.method : `${msg.startLine.slice(8, 11)} ${msg.method}`;
  const changes: string[] = [];
  const restore =
    (field: string) =>
    (whole: string, before: string, hostport: string): string => {
      const original = state.originalOf(hostport);
      if (!original) return whole;
      changes.push(`${field} ${hostport}→${original}`);
      return `${before}${original}`;
    };
  if (msg.isRequest) {
    (msg as { startLine: string }).startLine = msg.startLine.replace(new RegExp(`^(\\S+ sips?:(?:[^@\\s]+@)?)${HOSTPORT}`), restore("Request-URI"));
  } else {
    const i = msg.headers.findIndex((h) => headerName(h) === "via");
    if (i >= 0) {
      const before = msg.headers[i]!;
      const after = before.replace(new RegExp(`^([^:]+:\\s*SIP\\s*/\\s*2\\.0\\s*/\\s*[A-Za-z]+\\s+)${HOSTPORT}`), restore("Via"));
      msg.headers[i] =
        after === before
          ? after
          : after.replace(/;received=[^;,\s]+/i, `;received=${ingress.privateIp}`).replace(/;rport=\d+/i, `;rport=${ingress.privatePort}`);
    }
  }
  for (let i = 0; i < msg.headers.length; i++) {
    if (headerName(msg.headers[i]!) === "contact")
      msg.headers[i] = msg.headers[i]!.replace(new RegExp(`(sips?:(?:[^@<>;,\\s]+@)?)${HOSTPORT}`, "g"), restore("Contact"));
  }
  return changes.length
    ? { verdict: "pass", payload: serialise(msg), summary: `${label} inbound: ${changes.join(", ")}`, changes }
    : { verdict: "pass", payload, summary: `${label} inbound: nothing to restore`, changes };
}
