// How long the registrar granted a registration, read from the last 2xx to a REGISTER in the agent's own
// trace: the expires parameter of the Contact that names the agent (RFC 3261 §10.3 step 8), else the
// response's Expires header.
import { headerValue, type SipTraceEntry } from "../agent/sip-trace.js";

/** Every Contact header value of a message (repeated headers and comma lists alike). */
function contacts(raw: string): string[] {
  const end = raw.indexOf("\r\n\r\n");
  const head = (end < 0 ? raw : raw.slice(0, end)).split("\r\n").slice(1);
  return head
    .filter((l) => /^(contact|m)\s*:/i.test(l))
    .flatMap((l) => l.slice(l.indexOf(":") + 1).split(/,(?=\s*(?:"[^"]*"\s*)?<)/))
    .map((c) => c.trim());
}

export function grantedExpires(trace: readonly SipTraceEntry[], user: string): number | undefined {
  const ok = trace.filter((e) => e.direction === "received" && /^SIP\/2\.0 2\d\d/.test(e.firstLine) && e.cseq.endsWith("REGISTER")).at(-1);
  if (!ok) return undefined;
  const mine = contacts(ok.raw).find((c) => new RegExp(`^(?:"[^"]*"\\s*)?<sips?:${user.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}@`).test(c));
  const param = mine && /;\s*expires=(\d+)/i.exec(mine.slice(mine.indexOf(">")))?.[1];
  const header = headerValue(ok.raw, "expires");
  return param ? Number(param) : /^\d+$/.test(header) ? Number(header) : undefined;
}
