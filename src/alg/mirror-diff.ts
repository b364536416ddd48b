import { contentLength, findHeader, parseSip, type SipText } from "./sip-text.js";

// What a path did to a SIP message: the probe as sent against the bytes the mirror saw arrive.

export const DIFF_FIELDS = [
  "request-uri",
  "via",
  "contact",
  "from",
  "to",
  "call-id",
  "content-length",
  "sdp-origin",
  "sdp-connection",
  "sdp-media-port",
] as const;
export type DiffField = (typeof DIFF_FIELDS)[number];

export interface FieldChange {
  readonly field: DiffField;
  readonly sent: string | undefined;
  readonly received: string | undefined;
  readonly changed: boolean;
}

export interface MirrorDiff {
  readonly fields: readonly FieldChange[];
  /** Whether the arrived Content-Length matches the arrived body (a broken ALG forgets to fix it). */
  readonly contentLengthMatchesBody: boolean;
}

function sdpField(msg: SipText, field: DiffField): string | undefined {
  const line = (prefix: string): string | undefined => msg.body.split(/\r?\n/).find((l) => l.startsWith(prefix));
  if (field === "sdp-origin") return line("o=")?.split(" ").pop();
  if (field === "sdp-connection") return line("c=")?.split(" ").pop();
  return line("m=audio")?.split(" ")[1];
}

function fieldValue(msg: SipText, field: DiffField): string | undefined {
  if (field === "request-uri") return msg.startLine.split(" ")[1];
  if (field === "via") return findHeader(msg, "via")?.split(",")[0]?.split(";")[0];
  if (field.startsWith("sdp-")) return sdpField(msg, field);
  return findHeader(msg, field);
}

export function diffSip(sent: string, received: string): MirrorDiff {
  const a = parseSip(sent);
  const b = parseSip(received);
  if (!a.ok) throw new Error(`the probe as sent does not parse: ${a.reason}`);
  if (!b.ok) throw new Error(`what the mirror received does not parse: ${b.reason}`);
  const fields = DIFF_FIELDS.map((field) => {
    const s = fieldValue(a.msg, field);
    const r = fieldValue(b.msg, field);
    return { field, sent: s, received: r, changed: s !== r };
  });
  return { fields, contentLengthMatchesBody: contentLength(b.msg) === Buffer.byteLength(b.msg.body, "latin1") };
}

export function formatDiff(d: MirrorDiff): string {
  const rows = d.fields.map(
    (f) => `${f.changed ? "REWRITTEN" : "unchanged"}  ${f.field.padEnd(15)} ${f.sent ?? "(none)"}${f.changed ? `  →  ${f.received ?? "(none)"}` : ""}`,
  );
  return [...rows, `Content-Length ${d.contentLengthMatchesBody ? "matches" : "DOES NOT match"} the body that arrived`].join("\n");
}
