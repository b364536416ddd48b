import { Grammar } from "sip.js/lib/core/index.js";
import { headerValue } from "./sip-trace.js";

// A message's top Via, read by sip.js's own grammar. For a response it says where the server saw the
// request come from (received, rport: RFC 3581), which is both where a response goes (RFC 3261 §18.2.2)
// and what a keep-alive's answer tells a phone of its public address.

const DEFAULT_SIP_PORT = 5060;

export interface ParsedVia {
  readonly host: string;
  readonly port?: number;
  readonly received?: string;
  readonly rport?: string | number;
  readonly branch?: string;
}

/** The top Via; undefined when there is none or it does not parse. */
export function topVia(raw: string): ParsedVia | undefined {
  const value = headerValue(raw, "via", "v").split(",")[0]!.trim();
  if (!value) return undefined;
  const parsed = Grammar.parse(value, "Via") as ParsedVia | -1;
  return parsed === -1 ? undefined : parsed;
}

/** The source a Via records: received and rport where the server filled them in, else its sent-by. */
export function viaSource(via: ParsedVia): { host: string; port: number } {
  const rport = via.rport !== undefined && via.rport !== "" ? Number(via.rport) : undefined;
  return { host: via.received ?? via.host, port: rport ?? via.port ?? DEFAULT_SIP_PORT };
}

/** "198.51.100.2:5060" → its host and port; throws on anything else (the agent's config is made by callpath). */
export function splitHostPort(s: string): { host: string; port: number } {
  const m = /^([^:\s]+):(\d{1,5})$/.exec(s);
  if (!m || Number(m[2]) > 65535) throw new Error(`not a host:port: "${s}"`);
  return { host: m[1]!, port: Number(m[2]) };
}
