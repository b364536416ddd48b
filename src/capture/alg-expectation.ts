import { rewrites } from "../alg/alg-rules.js";
import { deriveTruth } from "../diagnose/truth.js";
import { resolveAlg, type NatRouterSpec } from "../kinds/nat-router/index.js";
import { SIP_LOCAL_PORT, type UserAgentSpec } from "../kinds/user-agent/index.js";
import type { ResolvedTopology } from "../topology/types.js";
import type { ChangedField, FieldChange, Ladder, LadderArrow } from "./ladder.js";

// What a ladder must show at each ALG on a seat's path, derived from the topology (the diagnose ground
// truth says which boxes rewrite the seat's own SIP and its probes to 5060, the ALG's rules say which
// fields), so a ladder is checked against what the network does, not against what it happened to draw.

/** What an ALG does to one kind of INVITE from the seat. */
export interface RewriteRule {
  /** The header and SDP fields it rewrites (Content-Length apart: see `contentLength`). */
  readonly fields: readonly ChangedField[];
  /** "fix": Content-Length follows the body; "leave": it keeps its old value; "none": nothing is rewritten. */
  readonly contentLength: "fix" | "leave" | "none";
}

export interface AlgExpectation {
  readonly box: string;
  /** The network by which the seat's requests leave the box. */
  readonly out: string;
  /** The seat's own INVITEs (its transport and server port). */
  readonly own: RewriteRule;
  /** callpath's mirror probe: an INVITE over UDP to port 5060. */
  readonly probe: RewriteRule;
  /** The seat's REGISTERs: the first of each Call-ID rewritten by `rule`; its refreshes passed or dropped. */
  readonly register: { readonly rule: RewriteRule; readonly refreshes: "pass" | "drop" };
  readonly why: string;
}

const FIELD_OF = { via: "Via", contact: "Contact", "sdp-origin": "SDP o=", "sdp-connection": "SDP c=" } as const;
const ORDER: readonly ChangedField[] = ["Via", "Contact", "SDP o=", "SDP c=", "SDP m="];
const NONE: RewriteRule = { fields: [], contentLength: "none" };
/** The size of callpath's agent's INVITE with its SDP (about 650 bytes over TCP, measured): more than a clamped MSS of 536. */
const AGENT_INVITE_BYTES = 600;

export function algExpectations(topology: ResolvedTopology, seat: string): AlgExpectation[] {
  const truth = deriveTruth(topology, seat);
  return truth.sipAlg.flatMap((a): AlgExpectation[] => {
    const hop = truth.path.sip.find((h) => h.node === a.node);
    if (!hop) return [];
    const alg = resolveAlg((topology.nodes.get(a.node)!.spec as NatRouterSpec).alg);
    let rule: RewriteRule;
    let why: string;
    let register: AlgExpectation["register"];
    const headers = (r: RewriteRule): RewriteRule => ({ fields: r.fields.filter((f) => f === "Via" || f === "Contact"), contentLength: r.contentLength });
    if (alg.kind === "netfilter") {
      const spec = topology.nodes.get(seat)!.spec as UserAgentSpec;
      const router = topology.nodes.get(a.node)!.spec as NatRouterSpec;
      // The helper rewrites an address only with the port the packet came from (nf_nat_sip's
      // map_addr), taking 5060 where a header names none; callpath's agent writes its Via without a
      // port, so over TCP (an ephemeral source port) or from another local port its Via stays private.
      const viaMatches = spec.sip.transport === "udp" && (spec.sip.localPort ?? SIP_LOCAL_PORT) === SIP_LOCAL_PORT;
      // And it reads one segment at a time: an INVITE longer than a clamped MSS is not rewritten at all (A3.10).
      const split = spec.sip.transport === "tcp" && router.tcpMss !== undefined && router.tcpMss < AGENT_INVITE_BYTES;
      const whole: RewriteRule = { fields: viaMatches ? ["Via", "Contact", "SDP o=", "SDP c="] : ["Contact", "SDP o=", "SDP c="], contentLength: "fix" };
      rule = split ? NONE : whole;
      // A REGISTER is short: one segment, rewritten whatever the MSS.
      register = { rule: headers(whole), refreshes: "pass" };
      why = `the kernel helper${split ? ` (an INVITE of ${AGENT_INVITE_BYTES}+ bytes spans segments of MSS ${router.tcpMss})` : viaMatches ? "" : " (the Via names no port, so 5060, not the one it came from)"}`;
    } else if (alg.kind === "userspace") {
      const fields = new Set<ChangedField>(alg.rules.rewrite.map((f) => FIELD_OF[f]));
      const all: RewriteRule = { fields: ORDER.filter((f) => fields.has(f)), contentLength: alg.rules.contentLength };
      // The seat's INVITEs and REGISTERs are requests: rules limited to responses, or to other methods, leave them.
      rule = rewrites(alg.rules, { isRequest: true, method: "INVITE" }) ? all : NONE;
      register = {
        rule: rewrites(alg.rules, { isRequest: true, method: "REGISTER" }) ? headers(all) : NONE,
        refreshes: alg.rules.register === "drop-refresh" ? "drop" : "pass",
      };
      const scope = `${alg.rules.messages === "both" ? "" : `, ${alg.rules.messages} only`}${alg.rules.methods ? `, methods ${alg.rules.methods.join(", ")}` : ""}`;
      why = `profile ${alg.profile}: rewrite ${alg.rules.rewrite.join(", ")}, Content-Length ${alg.rules.contentLength}${scope}`;
    } else return [];
    return [
      {
        box: a.node,
        out: hop.out,
        own: a.transports.length > 0 ? rule : NONE,
        probe: a.probe5060.includes("udp") ? rule : NONE,
        register: a.transports.length > 0 ? register : { rule: NONE, refreshes: "pass" },
        why: `${why}; ${seat}'s own SIP ${a.transports.length > 0 ? "is" : "is not"} in its sight`,
      },
    ];
  });
}

/** How much the body grew: what the rewritten SDP lines gained or lost in length. */
function bodyDelta(changes: readonly FieldChange[]): number {
  return changes.filter((c) => c.field.startsWith("SDP ")).reduce((d, c) => d + c.after.length - c.before.length, 0);
}

/** Problems with one INVITE that left a box against the rule: the fields, and Content-Length against the body's change. */
export function judgeRewrite(arrow: LadderArrow, rule: RewriteRule): string[] {
  const got = arrow.changes.filter((c) => c.field !== "Content-Length");
  const problems: string[] = [];
  if (got.map((c) => c.field).join(",") !== rule.fields.join(","))
    problems.push(`changed [${got.map((c) => c.field).join(", ")}], expected [${rule.fields.join(", ")}]`);
  const cl = arrow.changes.find((c) => c.field === "Content-Length");
  const delta = bodyDelta(got);
  if (rule.contentLength === "fix" && delta !== 0) {
    if (!cl || Number(cl.after) - Number(cl.before) !== delta)
      problems.push(`the body changed by ${delta} bytes but Content-Length ${cl ? `by ${Number(cl.after) - Number(cl.before)}` : "not"}`);
  } else if (cl)
    problems.push(
      `Content-Length changed (${cl.before} → ${cl.after}) though ${rule.contentLength === "leave" ? "this ALG leaves it" : "the body did not change"}`,
    );
  return problems;
}

/**
 * Problems with a ladder against the expectations, judged on the seat's own INVITEs (by Call-ID) as each
 * leaves each box: its calls by `own`, its mirror probes by `probe`. `null`: the seat sent no INVITE.
 */
export function checkAlgLadder(ladder: Ladder, expectations: readonly AlgExpectation[], seat: string): string[] | null {
  const seatColumns = new Set(ladder.columns.flatMap((c, i) => (c.node === seat ? [i] : [])));
  const isInvite = (r: (typeof ladder.rows)[number]): r is LadderArrow => r.kind === "arrow" && r.protocol === "sip" && r.label.startsWith("INVITE ");
  const seatInvites = ladder.rows.filter(isInvite).filter((r) => seatColumns.has(r.from));
  const isRegister = (r: (typeof ladder.rows)[number]): r is LadderArrow => r.kind === "arrow" && r.protocol === "sip" && r.label.startsWith("REGISTER ");
  const seatRegisters = ladder.rows.filter(isRegister).filter((r) => seatColumns.has(r.from));
  if (seatInvites.length === 0 && seatRegisters.length === 0) return null;
  const problems: string[] = [];
  for (const e of expectations) problems.push(...checkRegisters(ladder, e, seat, seatRegisters, isRegister));
  for (const e of expectations) {
    const outColumn = ladder.columns.findIndex((c) => c.node === e.box && c.network === e.out);
    for (const kind of ["own", "probe"] as const) {
      // callpath's mirror probe addresses the mirror by name (INVITE sip:mirror@…); the seat's calls do not.
      const sent = seatInvites.filter((r) => r.label.startsWith("INVITE sip:mirror@") === (kind === "probe"));
      if (sent.length === 0) continue;
      const ids = new Set(sent.map((r) => r.callId));
      const left = ladder.rows.filter(isInvite).find((r) => r.from === outColumn && ids.has(r.callId));
      if (!left) {
        problems.push(`${e.box}: ${seat}'s ${kind === "own" ? "INVITE" : "probe"} never left it by ${e.out}`);
        continue;
      }
      if (left.crossed !== e.box) {
        problems.push(`${e.box}: ${seat}'s ${kind === "own" ? "INVITE" : "probe"} left it by ${e.out} but is not seen entering it`);
        continue;
      }
      for (const p of judgeRewrite(left, e[kind])) problems.push(`${e.box}: ${seat}'s ${kind === "own" ? "INVITE" : "probe"} ${p} (${e.why})`);
    }
  }
  return problems;
}

/** The seat's REGISTERs at one box: the first of each Call-ID rewritten as the rule says; refreshes passed or, for an ALG that drops them, entering and never leaving. */
function checkRegisters(
  ladder: Ladder,
  e: AlgExpectation,
  seat: string,
  sent: readonly LadderArrow[],
  isRegister: (r: Ladder["rows"][number]) => r is LadderArrow,
): string[] {
  const problems: string[] = [];
  const outColumn = ladder.columns.findIndex((c) => c.node === e.box && c.network === e.out);
  const byCall = new Map<string, number>();
  for (const r of sent) byCall.set(r.callId ?? "", (byCall.get(r.callId ?? "") ?? 0) + 1);
  for (const [callId, count] of byCall) {
    const left = ladder.rows.filter(isRegister).filter((r) => r.from === outColumn && r.callId === callId);
    const first = left[0];
    if (!first) {
      problems.push(`${e.box}: ${seat}'s first REGISTER (Call-ID ${callId}) never left it by ${e.out}`);
      continue;
    }
    if (first.crossed !== e.box) problems.push(`${e.box}: ${seat}'s REGISTER left it by ${e.out} but is not seen entering it`);
    else for (const p of judgeRewrite(first, e.register.rule)) problems.push(`${e.box}: ${seat}'s REGISTER ${p} (${e.why})`);
    if (count < 2) continue;
    if (e.register.refreshes === "drop") {
      if (left.length > 1) problems.push(`${e.box}: ${left.length - 1} of ${seat}'s REGISTER refreshes left it, though this ALG drops them`);
      if (!ladder.rows.some((r) => r.kind === "vanished" && r.box === e.box && r.label.startsWith("REGISTER ")))
        problems.push(`${e.box}: no REGISTER refresh of ${seat}'s is marked as entering it and never leaving`);
    } else if (left.length < 2) problems.push(`${e.box}: ${seat} sent ${count} REGISTERs, only ${left.length} left it`);
  }
  return problems;
}
