import { each, evidenceOf, ToolFailure, type ToolVerdicts } from "./tool.js";

// The npm package nat-type-identifier 2.0.12 (a JavaScript port of PyStun, RFC 3489). Read from its
// source (index.js), since it shapes what this heuristic can and cannot ask of it:
// - `getNatType({ logsEnabled, sampleCount, stunHost })`: `stunHost` defaults to the public
//   stun.sipgate.net, so it is always given; there is no port option (every test goes to port 3478 of
//   stunHost, then to the CHANGED-ADDRESS the server returns), which is the lab's STUN port.
// - One UDP socket bound to 0.0.0.0:54320 for the whole run, requests in RFC 3489 form (no magic cookie),
//   each sent up to 4 times 5 s apart: an unanswered test costs 20 s. Tests: I to stunHost; II CHANGE-REQUEST
//   change IP and port; I' to CHANGED-ADDRESS; III to CHANGED-ADDRESS's IP on 3478 with "change port".
// - "Open Internet" only when the mapped address equals "0.0.0.0" (its bind address), which never happens:
//   a host without NAT is classified as a NAT.
// - A "Blocked" result, or no answer to test I', is retried forever: with UDP blocked it never returns.
// - `sampleCount` runs (default 20, as in its README) share the socket, and the result is their mode.
// Seen in diagnose-home (its log, with every datagram traced), all the tool's own doing:
// - Its transaction ID is 32 decimal digits read as hex, upper-cased as a string and encoded as UTF-8
//   (bytes 0x80-0x99 become c2 xx), and answers are matched on 3 bytes of it with "c2" stripped: a real
//   answer is often taken for a foreign one and its test counts as unanswered at once.
// - Test III goes to CHANGED-ADDRESS's IP just after test I' went to CHANGED-ADDRESS, so the answer from
//   the alternate address and port passes a port-restricted filter: "Restric NAT".
// - Later samples reuse port 54320, whose mapping already reached the alternate address: a cone NAT lets
//   test II's answer in, "Full Cone", and the mode of 20 samples is usually that.
// - An unanswered test costs 20 s, so behind a symmetric NAT each sample takes 20 s (400 s in all).

/** Its README's and its code's default: the tool as the field runs it. */
export const SAMPLE_COUNT = 20;

export const NAT_TYPE_IDENTIFIER_RESULTS = [
  "Blocked",
  "Open Internet",
  "Full Cone",
  "Symmetric UDP Firewall",
  "Restric NAT",
  "Restric Port NAT",
  "Symmetric NAT",
] as const;

/**
 * callpath's answers per result. It claims a NAT type (RFC 3489 names) and, by what it measured, whether
 * UDP reaches the server; it says nothing of RFC 4787 mapping or filtering, so those are not answered.
 * "Symmetric UDP Firewall" (mapped address is the host's own, a change request unanswered): no NAT, so
 * natType "none". "Blocked" (never returned by 2.0.12, which retries it, but in its type): udpBlocked yes.
 */
const ANSWERS: Record<(typeof NAT_TYPE_IDENTIFIER_RESULTS)[number], { natType: string; udpBlocked: string }> = {
  Blocked: { natType: "inconclusive", udpBlocked: "yes" },
  "Open Internet": { natType: "none", udpBlocked: "no" },
  "Full Cone": { natType: "full-cone", udpBlocked: "no" },
  "Symmetric UDP Firewall": { natType: "none", udpBlocked: "no" },
  "Restric NAT": { natType: "restricted-cone", udpBlocked: "no" },
  "Restric Port NAT": { natType: "port-restricted-cone", udpBlocked: "no" },
  "Symmetric NAT": { natType: "symmetric", udpBlocked: "no" },
};

/** The tool's result and its log lines as verdicts; a result outside its own type ("Error", say) is a ToolFailure. */
export function natTypeIdentifierVerdicts(result: unknown, log: readonly string[]): ToolVerdicts {
  const answers = typeof result === "string" ? ANSWERS[result as keyof typeof ANSWERS] : undefined;
  if (!answers || !Object.hasOwn(ANSWERS, result as string))
    throw new ToolFailure(`nat-type-identifier returned ${JSON.stringify(result)}, none of ${NAT_TYPE_IDENTIFIER_RESULTS.join(", ")}`);
  return each(answers, evidenceOf([...log, `result: ${result}`]));
}

/**
 * Where a `dgram` Socket#send call goes: send(msg, port, address, cb) or send(msg, offset, length, port,
 * address, cb). Node sends to localhost when no address is given; that is reported as "(none)".
 */
export function sendDestination(args: readonly unknown[]): { address: string; port: unknown } {
  const withOffsets = typeof args[1] === "number" && typeof args[2] === "number";
  const port = withOffsets ? args[3] : args[1];
  const address = withOffsets ? args[4] : args[2];
  return { address: typeof address === "string" && address.length > 0 ? address : "(none)", port };
}
