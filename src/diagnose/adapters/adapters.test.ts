import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadCommonJs } from "./commonjs.js";
import { natTypeIdentifierVerdicts, sendDestination } from "./nat-type-identifier.js";
import { parseStunClient, stunClientArgv } from "./stun-client.js";
import { reportLine, stunEndpoint, ToolFailure, toolBudgetMs, type ToolOutput, type ToolVerdicts } from "./tool.js";
import { natDiscoveryArgv, parseNatDiscovery } from "./turnutils-natdiscovery.js";
import { HeuristicOutput } from "../contract.js";

// Fixtures are real runs in diagnose-home (scripts/try-heuristic.ts), one per case: the tool's argv, exit
// code, stdout and stderr as captured in the seat, with coturn's RFC 5780 second address on.
const FIXTURES = join(fileURLToPath(new URL(".", import.meta.url)), "fixtures");
function fixture(tool: string, c: string): ToolOutput & { argv: string } {
  return JSON.parse(readFileSync(join(FIXTURES, `${tool}.${c}.json`), "utf8")) as ToolOutput & { argv: string };
}
const answers = (v: ToolVerdicts): Record<string, string> => Object.fromEntries(Object.entries(v).map(([q, x]) => [q, x!.verdict]));

test("stun-client: each captured class maps to callpath's answers, with its output as evidence", () => {
  const want: Record<string, Record<string, string>> = {
    bob: { natType: "none", natMapping: "none", natFiltering: "none", udpBlocked: "no" },
    fullcone: { natType: "full-cone", natMapping: "endpoint-independent", natFiltering: "endpoint-independent", udpBlocked: "no" },
    restricted: { natType: "restricted-cone", natMapping: "endpoint-independent", natFiltering: "address-dependent", udpBlocked: "no" },
    portrestricted: { natType: "port-restricted-cone", natMapping: "endpoint-independent", natFiltering: "address-and-port-dependent", udpBlocked: "no" },
    symmetric: { natType: "symmetric", natMapping: "inconclusive", natFiltering: "inconclusive", udpBlocked: "no" },
    dave: { natType: "symmetric", natMapping: "inconclusive", natFiltering: "inconclusive", udpBlocked: "no" },
    udpblock: { natType: "inconclusive", natMapping: "inconclusive", natFiltering: "inconclusive", udpBlocked: "yes" },
  };
  for (const [c, expected] of Object.entries(want)) {
    const r = parseStunClient(fixture("stun-client", c));
    assert.deepEqual(answers(r.verdicts), expected, c);
    assert.equal(r.version, "0.97");
    assert.match(r.verdicts.natType!.evidence, /^STUN client version 0\.97\nPrimary: /, c);
    assert.match(r.verdicts.natType!.evidence, /test II = [01]\n/, c);
  }
  const pr = parseStunClient(fixture("stun-client", "portrestricted")).verdicts.natType!.evidence;
  assert.match(pr, /Primary: Independent Mapping, Port Dependent Filter, preserves ports, no hairpin\nReturn value is 0x000017\n/);
  assert.match(pr, /exit code 23$/);
});

test("stun-client: the exit code must agree with the text; a STUN error, no class or an unknown one is a failure", () => {
  const ok = fixture("stun-client", "restricted");
  assert.throws(() => parseStunClient({ ...ok, exitCode: 0x16 }), /exit code 22/);
  assert.throws(
    () => parseStunClient({ exitCode: 255, stdout: "STUN client version 0.97\nPrimary: Some stun error detetecting NAT type", stderr: "" }),
    ToolFailure,
  );
  assert.throws(() => parseStunClient({ exitCode: 255, stdout: "error was 0\n1.2.3 is not a valid host name", stderr: "" }), /no "Primary:" line/);
  assert.throws(() => parseStunClient({ exitCode: 0x1e, stdout: "Primary: 9Unkown NAT type\t\n", stderr: "" }), /unknown class/);
  // Firewall: no NAT, something filters.
  assert.deepEqual(
    answers(parseStunClient({ exitCode: 0x1a, stdout: "STUN client version 0.97\nPrimary: Firewall\t\nReturn value is 0x00001a\n", stderr: "" }).verdicts),
    {
      natType: "none",
      natMapping: "none",
      natFiltering: "inconclusive",
      udpBlocked: "no",
    },
  );
  assert.deepEqual(stunClientArgv("198.51.100.3:3478"), ["stun", "198.51.100.3:3478", "-v"]);
});

test("turnutils_natdiscovery: mapping and filtering decisions per captured case, No NAT! as none", () => {
  const want: Record<string, Record<string, string>> = {
    bob: { natMapping: "none", natFiltering: "none", udpBlocked: "no" },
    fullcone: { natMapping: "endpoint-independent", natFiltering: "endpoint-independent", udpBlocked: "no" },
    restricted: { natMapping: "endpoint-independent", natFiltering: "address-dependent", udpBlocked: "no" },
    portrestricted: { natMapping: "endpoint-independent", natFiltering: "address-and-port-dependent", udpBlocked: "no" },
    symmetric: { natMapping: "address-and-port-dependent", natFiltering: "address-and-port-dependent", udpBlocked: "no" },
    dave: { natMapping: "address-and-port-dependent", natFiltering: "address-and-port-dependent", udpBlocked: "no" },
    udpblock: { natMapping: "inconclusive", natFiltering: "inconclusive", udpBlocked: "yes" },
  };
  for (const [c, expected] of Object.entries(want)) {
    const r = parseNatDiscovery(fixture("turnutils-natdiscovery", c));
    assert.deepEqual(answers(r.verdicts), expected, c);
    assert.match(r.verdicts.natMapping!.evidence, /^-= Mapping Behavior Discovery =-/, c);
    assert.match(r.verdicts.natFiltering!.evidence, /^-= Filtering Behavior Discovery =-/, c);
  }
  // The same run without -L (local address 0.0.0.0) never says "No NAT!": the open internet reads as EIM.
  const noL = fixture("turnutils-natdiscovery", "bob");
  const without = { ...noL, stdout: noL.stdout.replace(/^No NAT! \(Endpoint Independent Mapping\)$/gm, "") };
  assert.equal(parseNatDiscovery(without).mapping, "endpoint-independent");
  assert.throws(() => parseNatDiscovery({ exitCode: 1, stdout: "", stderr: "Usage: natdiscovery [options] address" }), ToolFailure);
  assert.throws(() => parseNatDiscovery({ exitCode: 0, stdout: "Please use either -f or -m", stderr: "" }), /no mapping and filtering sections/);
  assert.deepEqual(natDiscoveryArgv({ host: "198.51.100.3", port: 3478 }, "10.0.0.2"), [
    "turnutils_natdiscovery",
    "-m",
    "-f",
    "-p",
    "3478",
    "-L",
    "10.0.0.2",
    "198.51.100.3",
  ]);
});

test("nat-type-identifier: its seven results, and anything else is a failure", () => {
  assert.deepEqual(answers(natTypeIdentifierVerdicts("Restric Port NAT", ["Test #1 - NAT TYPE: Restric Port NAT"])), {
    natType: "port-restricted-cone",
    udpBlocked: "no",
  });
  assert.deepEqual(answers(natTypeIdentifierVerdicts("Full Cone", [])), { natType: "full-cone", udpBlocked: "no" });
  assert.deepEqual(answers(natTypeIdentifierVerdicts("Symmetric UDP Firewall", [])), { natType: "none", udpBlocked: "no" });
  assert.deepEqual(answers(natTypeIdentifierVerdicts("Blocked", [])), { natType: "inconclusive", udpBlocked: "yes" });
  assert.match(
    natTypeIdentifierVerdicts("Symmetric NAT", ["UDP message sent to 198.51.100.3:3478"]).natType!.evidence,
    /sent to 198\.51\.100\.3:3478\nresult: Symmetric NAT$/,
  );
  for (const bad of ["Error", "toString", undefined, 3]) assert.throws(() => natTypeIdentifierVerdicts(bad, []), ToolFailure);
  assert.deepEqual(sendDestination([Buffer.alloc(1), 0, 1, 3478, "198.51.100.3", () => {}]), { address: "198.51.100.3", port: 3478 });
  assert.deepEqual(sendDestination([Buffer.alloc(1), 3479, "198.51.100.4"]), { address: "198.51.100.4", port: 3479 });
  assert.deepEqual(sendDestination([Buffer.alloc(1), 0, 1, null, null]), { address: "(none)", port: null });
});

test("the report follows the contract; the budget leaves time to report; no STUN server is a failure", () => {
  const line = reportLine("stun-client", "0.97", parseStunClient(fixture("stun-client", "symmetric")).verdicts);
  assert.ok(line.endsWith("\n") && !line.slice(0, -1).includes("\n"));
  assert.ok(HeuristicOutput.safeParse(JSON.parse(line)).success);
  assert.equal(toolBudgetMs({ CALLPATH_TIME_LIMIT_MS: "30000" }), 27_000);
  assert.equal(toolBudgetMs({ CALLPATH_TIME_LIMIT_MS: "10000" }), 8000);
  assert.throws(() => toolBudgetMs({}), ToolFailure);
  assert.deepEqual(stunEndpoint({ CALLPATH_STUN: "198.51.100.3:3478" }), { host: "198.51.100.3", port: 3478 });
  assert.throws(() => stunEndpoint({ CALLPATH_STUN: "" }), /CALLPATH_STUN is ""/);
});

test("a sloppy CommonJS package runs as Node's loader runs it, strict only where it says so", () => {
  const sources = {
    sloppy: 'const dep = require("dep"); module.exports = (x) => { undeclared = x * dep.k; return undeclared + require("node:path").sep; };',
    dep: '"use strict"; exports.k = 2;',
    strict: '"use strict"; module.exports = () => { alsoUndeclared = 1; };',
  };
  const builtins = (id: string) => (id === "node:path" ? { sep: "/" } : assert.fail(`unexpected require ${id}`));
  const f = loadCommonJs(sources, "sloppy", builtins) as (x: number) => string;
  assert.equal(f(21), "42/");
  delete (globalThis as Record<string, unknown>).undeclared;
  assert.throws(() => (loadCommonJs(sources, "strict", builtins) as () => void)(), ReferenceError);
});
