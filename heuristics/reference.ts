// callpath's own reference probe (issue 13): SIP ALG by mirror diff over UDP and TCP, UDP reachability by
// STUN over UDP, TCP and TLS, STUN-in-TCP DPI by a TURN allocation, NAT behaviour by RFC 5780, VPN by the
// seat's interfaces, routes and router count, the path MTU by DF-set echoes, a late verdict by long flows.
// Its methods and rules: src/diagnose/reference/. It prints one JSON line, as the heuristic contract asks.
import type { HeuristicEnv } from "../src/diagnose/contract.js";
import { NAME, runReference, VERSION } from "../src/diagnose/reference/run.js";

const verdicts = await runReference(process.env as Partial<HeuristicEnv>);
process.stdout.write(`${JSON.stringify({ heuristic: { name: NAME, version: VERSION }, verdicts })}\n`);
// Sockets and timers still open (a late flow's last answers) must not keep the report waiting.
process.exit(0);
