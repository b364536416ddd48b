import type { ParseArgsConfig } from "node:util";
import { escapeControl, formatIssues, TopologyError } from "../common/errors.js";
import { deriveTruth, SeatError } from "../diagnose/truth.js";
import { UnreachableError } from "../diagnose/path-walk.js";
import { QUESTION_IDS } from "../diagnose/questions.js";
import type { NatTruth, PathHop, Truth } from "../diagnose/truth-types.js";
import { builtinKinds } from "../kinds/builtin.js";
import { PROJECT_ROOT } from "../lab/images.js";
import { loadTopology, type TopologyOverrides } from "../topology/load.js";
import { type Output, topologyPath } from "./validate.js";

// `callpath truth <topology> <seat>`: the ground truth a heuristic on that seat is scored against, derived
// from the topology (and --set variants, as scenarios' "running with:" tables give them) without Docker.

const USAGE = "truth <topology|name> <seat> [--set path=value]... [--json]";

export interface TruthOptions {
  readonly set?: readonly string[];
  readonly json?: boolean;
}

/** --set path=value pairs as overrides; the value is YAML, so it may hold '=' itself. */
export function parseSets(sets: readonly string[]): TopologyOverrides | string {
  const out: Array<readonly [string, string]> = [];
  for (const s of sets) {
    const i = s.indexOf("=");
    if (i <= 0) return `--set ${JSON.stringify(s)}: expected path=value (nodes.nat1.alg=netfilter)`;
    out.push([s.slice(0, i).trim(), s.slice(i + 1).trim()]);
  }
  return out;
}

/** Exit 0 with the truth; 1 when the topology (with its --set overrides) is not usable; 2 on a usage error. */
export async function truthCommand(args: readonly string[], options: TruthOptions, out: Output, root: string = PROJECT_ROOT): Promise<number> {
  const usage = (why: string): number => {
    out.stderr(`callpath truth: ${why}\nusage: callpath ${USAGE}\n`);
    return 2;
  };
  if (args.length !== 2) return usage(args.length < 2 ? "name a topology and a seat (a user agent in it)" : "name one topology and one seat");
  const overrides = parseSets(options.set ?? []);
  if (typeof overrides === "string") return usage(overrides);
  const [arg, seat] = args as [string, string];
  const file = topologyPath(arg, root);
  try {
    const truth = deriveTruth(await loadTopology(file, builtinKinds(), overrides), seat);
    out.stdout(options.json ? `${JSON.stringify(truth, null, 2)}\n` : formatTruth(truth));
    return 0;
  } catch (e) {
    // The same lines `validate` prints, so a problem reads alike whichever command found it.
    if (e instanceof TopologyError) out.stdout(`${formatIssues(e.file, e.issues)}\n`);
    else if (e instanceof SeatError) return usage(escapeControl(e.message));
    else if (e instanceof UnreachableError) out.stdout(`${formatIssues(file, [{ path: `nodes.${seat}`, message: e.message }])}\n`);
    else throw e;
    return 1;
  }
}

/** The command as callpath's main registers it. */
export const truthCli = {
  usage: USAGE,
  summary: "the ground truth of a seat: ALG, firewall, VPN, NAT, MTU and impairments on its paths",
  help: [
    "Derives, without Docker, what the network between a user agent (the seat) and its SIP and TURN servers",
    "does: the labels a diagnostic heuristic on that seat is scored against. --set applies a variant, as a",
    'scenario\'s "running with:" table does (--set nodes.nat1.alg=netfilter, repeatable). --json prints the whole truth.',
    "Exit 1 when the topology has a problem (file: path: message), 2 on a usage error or an unknown seat.",
  ].join("\n"),
  options: { set: { type: "string", multiple: true }, json: { type: "boolean" } } satisfies ParseArgsConfig["options"],
  run: (positionals: string[], values: Record<string, unknown>) =>
    truthCommand(
      positionals,
      { set: values.set as string[] | undefined, json: values.json === true },
      {
        stdout: (s) => void process.stdout.write(s),
        stderr: (s) => void process.stderr.write(s),
      },
    ),
};

const WIDTH = 12;
const row = (label: string, value: string): string => `${label.padEnd(WIDTH)}${value}`;
const yn = (b: boolean): string => (b ? "yes" : "no");

function hops(seat: string, list: readonly PathHop[], to: string): string {
  return [seat, ...list.map((h) => (h.sees === "outer" ? `(${h.node})` : h.node)), to].join(" → ");
}

function nat(n: NatTruth): string {
  return `${n.node} ${n.what} (${n.mapping} mapping, ${n.filtering} filtering, UDP ${n.udpTimeoutSec} s)`;
}

/** One line per label, then the answers, then the notes. */
export function formatTruth(t: Truth): string {
  const lines = [`${t.topology}: seat ${t.seat}, SIP server ${t.sipServer}, TURN server ${t.turnServer ?? "none"}`, ""];
  lines.push(row("path sip", hops(t.seat, t.path.sip, t.sipServer)));
  if (t.turnServer) lines.push(row("path turn", hops(t.seat, t.path.turn, t.turnServer)));
  if (t.path.sip.some((h) => h.sees === "outer") || t.path.turn.some((h) => h.sees === "outer"))
    lines.push(row("", "(node): carries the VPN tunnel only; it sees none of the seat's packets"));
  const algs = t.sipAlg.map(
    (a) =>
      `${a.node} ${a.alg}${a.profile ? ` ${a.profile}` : ""} on ${a.actsOn.transports.join(",")} ${a.actsOn.ports.join(",")}` +
      (a.transports.length > 0 ? ` (rewrites the seat's ${a.transports[0]} to ${a.ports[0]})` : " (the seat's own SIP passes untouched)"),
  );
  lines.push(row("sipAlg", `${t.answers.sipAlg}${algs.length > 0 ? `: ${algs.join("; ")}` : ""}`));
  const u = t.udpBlocked;
  lines.push(row("udpBlocked", `${yn(u.blocked)}${u.by ? `: by ${u.by}` : ""}${u.exempt.length > 0 ? `; exempt: ${u.exempt.join(", ")}` : ""}`));
  lines.push(row("dpi", t.dpi.signatures.length > 0 ? `${t.dpi.signatures.join(", ")} dropped on sight by ${t.dpi.by}` : "none"));
  lines.push(row("stunOverTcp", t.stunOverTcpBlocked ? "blocked (stun-tcp matches TURN over TCP)" : "passes"));
  const l = t.lateVerdict;
  lines.push(
    row(
      "lateVerdict",
      l
        ? `yes: ${l.node} kills ${l.signatures.join(", ")} flows after ${l.afterPackets !== undefined ? `${l.afterPackets} packets` : `${l.afterSeconds} s`}`
        : "no",
    ),
  );
  const v = t.vpn;
  lines.push(
    row(
      "vpn",
      v
        ? `${v.mode} (${v.where}: ${v.client} → ${v.concentrator}, ${v.proto}, tun-mtu ${v.mtu}); SIP server ${v.sipServerInside ? "inside" : "outside"}, TURN server ${v.turnServerInside ? "inside" : "outside"}`
        : "none",
    ),
  );
  lines.push(row("nat", t.nat.count === 0 ? "none" : `${t.nat.count}: ${t.nat.chain.map(nat).join("; then ")}`));
  if (t.nat.effective) lines.push(row("", `taken together: ${t.nat.effective.mapping} mapping, ${t.nat.effective.filtering} filtering`));
  lines.push(row("pathMtu", String(t.pathMtu)));
  const i = t.impairments;
  const way = (w: "out" | "back"): string => `${i.delayMs[w]} ms ±${i.jitterMs[w]} ms, ${i.lossPercent[w]} % loss`;
  lines.push(row("impairments", `out ${way("out")}; back ${way("back")}`));
  for (const link of i.links) lines.push(row("", link));
  lines.push("", "answers");
  for (const q of QUESTION_IDS) lines.push(`  ${q.padEnd(20)}${t.answers[q] ?? "(not answered)"}`);
  if (t.notes.length > 0) lines.push("", "notes", ...t.notes.map((n) => `  - ${n}`));
  return `${lines.join("\n")}\n`;
}
