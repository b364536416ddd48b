// A tolerant, byte-faithful view of one SIP message for the ALG and the mirror: the start line, the
// header lines as written and the body. Bytes are kept as latin1 so that whatever is not edited leaves
// exactly as it came, and anything that does not look like SIP is refused rather than guessed at.

/** Header names and their compact forms (RFC 3261 §7.3.3) for the headers an ALG touches. */
const COMPACT: Readonly<Record<string, string>> = { v: "via", m: "contact", l: "content-length", i: "call-id", f: "from", t: "to", c: "content-type" };

export const LIMITS = {
  /** Longer header sections are left alone: real ALGs give up on them too, and nothing here needs them. */
  headerBytes: 16 * 1024,
  lineBytes: 4 * 1024,
} as const;

export interface SipText {
  readonly startLine: string;
  /** Header lines with continuation lines unfolded, in order. */
  readonly headers: string[];
  body: string;
  readonly isRequest: boolean;
  /** Request method, or the CSeq method of a response. */
  readonly method: string;
  readonly cseq: number;
}

export type ParseResult = { ok: true; msg: SipText } | { ok: false; reason: string };

const REQUEST_LINE = /^([A-Z]{2,16}) (\S{1,1024}) SIP\/2\.0$/;
const STATUS_LINE = /^SIP\/2\.0 (\d{3}) [^\r\n]*$/;

export function headerName(line: string): string {
  const name = line.slice(0, line.indexOf(":")).trim().toLowerCase();
  return COMPACT[name] ?? name;
}

export function headerValueOf(line: string): string {
  return line.slice(line.indexOf(":") + 1).trim();
}

export function findHeader(msg: SipText, name: string): string | undefined {
  const line = msg.headers.find((h) => headerName(h) === name);
  return line === undefined ? undefined : headerValueOf(line);
}

/** Parses one UDP payload. Never throws: anything unexpected comes back as a reason. */
export function parseSip(payload: Buffer | string): ParseResult {
  const text = typeof payload === "string" ? payload : payload.toString("latin1");
  const end = text.indexOf("\r\n\r\n");
  const lineEnd = text.indexOf("\r\n");
  const startLine = lineEnd < 0 ? text : text.slice(0, lineEnd);
  const isRequest = REQUEST_LINE.test(startLine);
  if (!isRequest && !STATUS_LINE.test(startLine)) return { ok: false, reason: "not SIP: no request or status line" };
  if (end < 0) return { ok: false, reason: "truncated: no blank line after the headers" };
  if (end > LIMITS.headerBytes) return { ok: false, reason: `oversized: ${end} bytes of headers (limit ${LIMITS.headerBytes})` };
  const headers: string[] = [];
  for (const line of text.slice(lineEnd + 2, end).split("\r\n")) {
    if (line.length > LIMITS.lineBytes) return { ok: false, reason: `oversized: a ${line.length}-byte header line (limit ${LIMITS.lineBytes})` };
    if (/^[ \t]/.test(line) && headers.length > 0) headers[headers.length - 1] += ` ${line.trim()}`;
    else if (/^[!-9;-~]+[ \t]*:/.test(line)) headers.push(line);
    else return { ok: false, reason: `malformed header line "${printable(line.slice(0, 40))}"` };
  }
  const cseqMatch = /^(\d{1,10})\s+([A-Za-z]+)$/.exec(headers.map((h) => (headerName(h) === "cseq" ? headerValueOf(h) : "")).find(Boolean) ?? "");
  if (!cseqMatch) return { ok: false, reason: "no parsable CSeq" };
  const method = isRequest ? REQUEST_LINE.exec(startLine)![1]! : cseqMatch[2]!.toUpperCase();
  return { ok: true, msg: { startLine, headers, body: text.slice(end + 4), isRequest, method, cseq: Number(cseqMatch[1]) } };
}

/** The declared body length, or undefined when absent or not a number. */
export function contentLength(msg: SipText): number | undefined {
  const v = findHeader(msg, "content-length");
  return v !== undefined && /^\d{1,7}$/.test(v) ? Number(v) : undefined;
}

export function serialise(msg: SipText): Buffer {
  return Buffer.from(`${msg.startLine}\r\n${msg.headers.join("\r\n")}\r\n\r\n${msg.body}`, "latin1");
}

export function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, "?");
}

/** SDP lines of a body (CRLF or LF separated), kept with their separators for a faithful rebuild. */
export function sdpLines(body: string): string[] {
  return body.split(/(?<=\n)/);
}

/** What a SIP datagram is, for an ALG verdict: "INVITE", "200 INVITE"; whether it is a re-INVITE (the To has a tag). */
export function describeSip(payload: Buffer): { message: string | null; reinvite: boolean } {
  const parsed = parseSip(payload);
  if (!parsed.ok) return { message: null, reinvite: false };
  const m = parsed.msg;
  return {
    message: m.isRequest ? m.method : `${m.startLine.slice(8, 11)} ${m.method}`,
    reinvite: m.isRequest && m.method === "INVITE" && /;\s*tag=/i.test(findHeader(m, "to") ?? ""),
  };
}
