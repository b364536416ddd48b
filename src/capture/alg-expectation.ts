import { deriveTruth } from "../diagnose/truth.js";
import { resolveAlg, type NatRouterSpec } from "../kinds/nat-router/index.js";
import type { ResolvedTopology } from "../topology/types.js";
import type { ChangedField, Ladder, LadderArrow } from "./ladder.js";

// What a ladder must show at each ALG on a seat's path, derived from the topology (the diagnose ground
// truth says which boxes rewrite the seat's own SIP, the ALG's rules say which fields), so a ladder is
// checked against what the network does and not against what it happened to draw.

export interface AlgExpectation {
  readonly box: string;
  /** The network by which the seat's requests leave the box. */
  readonly out: string;
  /** The node its requests to the SIP server go to next (the next box, or the server): a probe to a mirror is not one. */
  readonly towards: string;
  /** The fields an INVITE from the seat carries changed when it leaves the box; empty: it passes untouched. */
  readonly fields: readonly ChangedField[];
  readonly why: string;
}

const FIELD_OF = { via: "Via", contact: "Contact", "sdp-origin": "SDP o=", "sdp-connection": "SDP c=" } as const;
const ORDER: readonly ChangedField[] = ["Via", "Contact", "SDP o=", "SDP c=", "SDP m=", "Content-Length"];

export function algExpectations(topology: ResolvedTopology, seat: string): AlgExpectation[] {
  const truth = deriveTruth(topology, seat);
  return truth.sipAlg.flatMap((a): AlgExpectation[] => {
    const i = truth.path.sip.findIndex((h) => h.node === a.node);
    const hop = truth.path.sip[i];
    if (!hop) return [];
    const towards = truth.path.sip[i + 1]?.node ?? truth.sipServer;
    if (a.transports.length === 0)
      return [{ box: a.node, out: hop.out, towards, fields: [], why: `${a.node}'s ALG does not see ${seat}'s SIP (its transport or port)` }];
    const alg = resolveAlg((topology.nodes.get(a.node)!.spec as NatRouterSpec).alg);
    if (alg.kind === "netfilter")
      return [
        { box: a.node, out: hop.out, towards, fields: ["Via", "Contact", "SDP o=", "SDP c=", "Content-Length"], why: "the kernel helper rewrites them all" },
      ];
    if (alg.kind !== "userspace") return [];
    const fields = new Set<ChangedField>(alg.rules.rewrite.map((f) => FIELD_OF[f]));
    // The body grows when an address in it does (a private address is shorter than these public ones).
    if (alg.rules.contentLength === "fix" && (fields.has("SDP o=") || fields.has("SDP c="))) fields.add("Content-Length");
    return [
      {
        box: a.node,
        out: hop.out,
        towards,
        fields: ORDER.filter((f) => fields.has(f)),
        why: `profile ${alg.profile}: rewrite ${alg.rules.rewrite.join(", ")}, Content-Length ${alg.rules.contentLength}`,
      },
    ];
  });
}

/**
 * Problems with a ladder against the expectations: the seat's first INVITE towards its SIP server leaving
 * each box must carry exactly the expected changes. `null`: the ladder has no INVITE to judge by (the
 * scenario placed no call), which the caller reports as not applicable.
 */
export function checkAlgLadder(ladder: Ladder, expectations: readonly AlgExpectation[]): string[] | null {
  const problems: string[] = [];
  for (const e of expectations) {
    const outColumn = ladder.columns.findIndex((c) => c.node === e.box && c.network === e.out);
    const invites = ladder.rows.filter(
      (r): r is LadderArrow =>
        r.kind === "arrow" && r.protocol === "sip" && r.from === outColumn && r.label.startsWith("INVITE ") && ladder.columns[r.to]?.node === e.towards,
    );
    if (invites.length === 0) return null;
    const invite = invites.find((r) => r.crossed === e.box);
    if (!invite) {
      problems.push(`${e.box}: an INVITE left it towards ${e.towards}, but none is seen entering it first`);
      continue;
    }
    const got = invite.changes.map((c) => c.field);
    if (got.join(",") !== e.fields.join(","))
      problems.push(`${e.box}: the INVITE leaving by ${e.out} changed [${got.join(", ")}], expected [${e.fields.join(", ")}] (${e.why})`);
  }
  return problems;
}
