import { each, evidenceOf, lines, ToolFailure, type ToolOutput, type ToolVerdicts } from "./tool.js";

// Debian's stun-client 0.97: stund's RFC 3489 NAT-type classifier, binary `stun`. `stun <server[:port]> -v`
// sends, from two local ports P and P+1, test I (plain) from P to the server, test II (CHANGE-REQUEST
// "change IP" only, flag 4) and test III ("change port", flag 2) from P+1, test I(2) from P to the
// CHANGED-ADDRESS's IP on the server's port, and a hairpin test to its own mapped address; 7 rounds of
// 150 ms. It prints `Primary: <class>[, preserves ports|random port, will hairpin|no hairpin]` and
// `Return value is 0x0000NN` on stdout, the tests (`test I = 1`, ...) on stderr with -v, and exits with
// that value's low byte: class 0x00 Open, 0x02 Independent Filter, 0x04 Address Dependent Filter,
// 0x06 Port Dependent Filter, 0x08 Dependent Mapping, 0x0A Firewall, 0x0C Blocked, 0x0E unknown;
// | 0x10 no hairpin, | 0x01 preserves ports. A STUN error exits -1 (255) before "Return value".

/** The tool's own command line: the lab's server as given (ip:port), verbose for the tests' results. */
export function stunClientArgv(server: string): string[] {
  return ["stun", server, "-v"];
}

export type StundClass =
  | "open"
  | "independent-filter"
  | "address-dependent-filter"
  | "port-dependent-filter"
  | "dependent-mapping"
  | "firewall"
  | "blocked"
  | "unknown";

/** The text after "Primary: " for each class, and the class bits of its exit code. */
const CLASSES: ReadonlyArray<{ readonly text: string; readonly cls: StundClass; readonly code: number }> = [
  { text: "Open", cls: "open", code: 0x00 },
  { text: "Independent Mapping, Independent Filter", cls: "independent-filter", code: 0x02 },
  { text: "Independent Mapping, Address Dependent Filter", cls: "address-dependent-filter", code: 0x04 },
  { text: "Independent Mapping, Port Dependent Filter", cls: "port-dependent-filter", code: 0x06 },
  { text: "Dependent Mapping", cls: "dependent-mapping", code: 0x08 },
  { text: "Firewall", cls: "firewall", code: 0x0a },
  { text: "Blocked or could not reach STUN server", cls: "blocked", code: 0x0c },
  { text: "Some unknown type error detetecting NAT type", cls: "unknown", code: 0xee },
];

/**
 * callpath's answers for each class, mechanically. RFC 3489 names: Independent Filter = full cone,
 * Address Dependent = restricted cone, Port Dependent = port-restricted cone, Dependent Mapping =
 * symmetric. Choices where the class says less than a question asks:
 * - "Dependent Mapping": stund's only mapping test changes the server's IP, not its port, and it stops
 *   there (no filter test is reported), so natMapping (address- or address-and-port-dependent?) and
 *   natFiltering are inconclusive.
 * - "Firewall" (RFC 3489's "Symmetric UDP Firewall"): the mapped address is the seat's own (stund could
 *   bind it), so there is no NAT: natType and natMapping "none". Something filters (test II went
 *   unanswered), but stund does not say by what: natFiltering inconclusive.
 * - "Blocked": no answer to test I: udpBlocked yes, nothing else known.
 * - The unknown class: every question inconclusive.
 */
const ANSWERS: Record<StundClass, { natType: string; natMapping: string; natFiltering: string; udpBlocked: string }> = {
  open: { natType: "none", natMapping: "none", natFiltering: "none", udpBlocked: "no" },
  "independent-filter": { natType: "full-cone", natMapping: "endpoint-independent", natFiltering: "endpoint-independent", udpBlocked: "no" },
  "address-dependent-filter": { natType: "restricted-cone", natMapping: "endpoint-independent", natFiltering: "address-dependent", udpBlocked: "no" },
  "port-dependent-filter": {
    natType: "port-restricted-cone",
    natMapping: "endpoint-independent",
    natFiltering: "address-and-port-dependent",
    udpBlocked: "no",
  },
  "dependent-mapping": { natType: "symmetric", natMapping: "inconclusive", natFiltering: "inconclusive", udpBlocked: "no" },
  firewall: { natType: "none", natMapping: "none", natFiltering: "inconclusive", udpBlocked: "no" },
  blocked: { natType: "inconclusive", natMapping: "inconclusive", natFiltering: "inconclusive", udpBlocked: "yes" },
  unknown: { natType: "inconclusive", natMapping: "inconclusive", natFiltering: "inconclusive", udpBlocked: "inconclusive" },
};

export interface StunClientResult {
  readonly version: string | undefined;
  readonly cls: StundClass;
  readonly verdicts: ToolVerdicts;
}

/** stund's output as callpath's verdicts; anything it does not recognise is a ToolFailure. */
export function parseStunClient(out: ToolOutput): StunClientResult {
  const stdout = lines(out.stdout).map((l) => l.trim());
  const version = stdout.map((l) => /^STUN client version (\S+)/.exec(l)?.[1]).find((v) => v !== undefined);
  const primary = stdout.find((l) => l.startsWith("Primary: "));
  const tail = `exit code ${out.exitCode}; stdout: ${JSON.stringify(out.stdout.slice(0, 500))}; stderr: ${JSON.stringify(out.stderr.slice(-500))}`;
  if (!primary) throw new ToolFailure(`stun printed no "Primary:" line (${tail})`);
  const said = primary.slice("Primary: ".length);
  if (said.startsWith("Some stun error")) throw new ToolFailure(`stun: ${said} (${tail})`);
  const known = CLASSES.find((c) => said === c.text || said.startsWith(`${c.text},`));
  if (!known) throw new ToolFailure(`stun: unknown class ${JSON.stringify(said)} (${tail})`);
  // The exit code is the return value's low byte: its class bits must say what the text says.
  const code = out.exitCode;
  const byCode = code === null ? undefined : known.cls === "unknown" ? (code & 0xff) === 0xee || (code & 0x0e) === 0x0e : (code & 0x0e) === known.code;
  if (!byCode) throw new ToolFailure(`stun: "Primary: ${said}" but exit code ${code} (class 0x${known.code.toString(16)} expected) (${tail})`);
  const evidence = evidenceOf([
    ...stdout,
    ...lines(out.stderr).filter((l) => /^\s*(test I|test II|test III|test I\(2\)|is nat|mapped IP same|hairpin|preserver port)\s*=/.test(l)),
    `exit code ${code}`,
  ]);
  return { version, cls: known.cls, verdicts: each(ANSWERS[known.cls], evidence) };
}
