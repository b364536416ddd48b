import { evidenceOf, lines, ToolFailure, type ToolOutput, type ToolVerdicts } from "./tool.js";

// coturn's turnutils_natdiscovery (Debian coturn 4.6.1): RFC 5780 NAT behaviour discovery.
// `-m` mapping: a binding to the server, then to OTHER-ADDRESS's IP on the server's port, then to
// OTHER-ADDRESS itself, from one local port, comparing XOR-MAPPED-ADDRESS. `-f` filtering: from a new
// local port, a binding, then CHANGE-REQUEST change IP and port, then change port only; each request waits
// 3 s for its answer ("STUN receive timeout.."). Each decision is printed between lines of "=":
// "NAT with Endpoint Independent Mapping!", "... Address Dependent Filtering!", and so on.
// "No NAT! (Endpoint Independent Mapping)" is printed when the reflexive address equals the local one,
// which the tool can tell only when given its local address (-L): without it the local address is
// 0.0.0.0:port and it never says "No NAT!". It exits 0 whatever it found.

/**
 * The tool's command line: mapping and filtering against the lab's server (-p its port), from the
 * seat's own address (-L), which its "No NAT!" test compares the reflexive address with.
 */
export function natDiscoveryArgv(server: { host: string; port: number }, localAddress: string): string[] {
  return ["turnutils_natdiscovery", "-m", "-f", "-p", String(server.port), "-L", localAddress, server.host];
}

const MAPPING_HEAD = "-= Mapping Behavior Discovery =-";
const FILTERING_HEAD = "-= Filtering Behavior Discovery =-";
const NO_NAT = "No NAT! (Endpoint Independent Mapping)";

const MAPPING: Record<string, string> = {
  "NAT with Endpoint Independent Mapping!": "endpoint-independent",
  "NAT with Address Dependent Mapping!": "address-dependent",
  "NAT with Address and Port Dependent Mapping!": "address-and-port-dependent",
};
const FILTERING: Record<string, string> = {
  "NAT with Endpoint Independent Filtering!": "endpoint-independent",
  "NAT with Address Dependent Filtering!": "address-dependent",
  "NAT with Address and Port Dependent Filtering!": "address-and-port-dependent",
};

export interface NatDiscoveryResult {
  readonly mapping: string;
  readonly filtering: string;
  readonly verdicts: ToolVerdicts;
}

/** One section's answer: "none" when the tool said "No NAT!" (it goes on to print a NAT decision after it), its decision, else inconclusive. */
function decide(section: readonly string[], decisions: Record<string, string>): string {
  if (section.includes(NO_NAT)) return "none";
  const found = section.map((l) => decisions[l]).filter((d) => d !== undefined);
  return found[0] ?? "inconclusive";
}

/**
 * turnutils_natdiscovery's output as natMapping, natFiltering and udpBlocked. udpBlocked: "no" when any
 * binding was answered ("UDP reflexive addr" printed), "yes" when every request timed out, else
 * inconclusive (an error response, say). A non-zero exit or output without both sections is a ToolFailure.
 */
export function parseNatDiscovery(out: ToolOutput): NatDiscoveryResult {
  const all = lines(out.stdout).map((l) => l.trim());
  const tail = `exit code ${out.exitCode}; stdout: ${JSON.stringify(out.stdout.slice(0, 500))}; stderr: ${JSON.stringify(out.stderr.slice(-500))}`;
  if (out.exitCode !== 0) throw new ToolFailure(`turnutils_natdiscovery failed (${tail})`);
  const m = all.indexOf(MAPPING_HEAD);
  const f = all.indexOf(FILTERING_HEAD);
  if (m < 0 || f < m) throw new ToolFailure(`turnutils_natdiscovery printed no mapping and filtering sections (${tail})`);
  const mappingLines = all.slice(m, f);
  const filteringLines = all.slice(f);
  const mapping = decide(mappingLines, MAPPING);
  const filtering = decide(filteringLines, FILTERING);
  const answered = all.some((l) => l.includes("UDP reflexive addr"));
  const timedOut = all.filter((l) => l === "STUN receive timeout..").length;
  const requests = timedOut + all.filter((l) => l.includes("UDP reflexive addr")).length;
  const udpBlocked = answered ? "no" : timedOut > 0 && timedOut === requests ? "yes" : "inconclusive";
  const evidenceAll = evidenceOf(all.filter((l) => !/^=+$/.test(l)));
  return {
    mapping,
    filtering,
    verdicts: {
      natMapping: { verdict: mapping, evidence: evidenceOf(mappingLines.filter((l) => !/^=+$/.test(l))) },
      natFiltering: { verdict: filtering, evidence: evidenceOf(filteringLines.filter((l) => !/^=+$/.test(l))) },
      udpBlocked: { verdict: udpBlocked, evidence: evidenceAll },
    },
  };
}
