import { NAT_PRESET_NAMES, type Dependency } from "../kinds/nat-router/nat-behaviour.js";

// The questions a diagnostic heuristic may answer, each with the answers it can give. callpath scores a
// verdict against the answer the topology's ground truth gives (truth.ts); both speak this vocabulary.

export const YES_NO = ["yes", "no"] as const;
export const DEPENDENCIES = ["endpoint-independent", "address-dependent", "address-and-port-dependent"] as const satisfies readonly Dependency[];
/** RFC 3489's classic names, as classifiers print them, plus "none" (no NAT: open internet). */
export const NAT_TYPES = ["none", ...NAT_PRESET_NAMES] as const;

export type QuestionShape =
  | { readonly type: "yes-no" }
  | { readonly type: "choice"; readonly choices: readonly string[] }
  /** A number, right when within `tolerance` of the truth. */
  | { readonly type: "number"; readonly tolerance: number; readonly unit: string };

export interface Question {
  readonly shape: QuestionShape;
  readonly asks: string;
}

export const QUESTIONS = {
  sipAlg: { shape: { type: "yes-no" }, asks: "does a box on the path to the SIP server rewrite SIP sent to port 5060, over UDP or TCP?" },
  sipAlgUdp: { shape: { type: "yes-no" }, asks: "does a box rewrite SIP over UDP to port 5060?" },
  sipAlgTcp: { shape: { type: "yes-no" }, asks: "does a box rewrite SIP over TCP to port 5060?" },
  udpBlocked: {
    shape: { type: "yes-no" },
    asks: "does STUN/TURN over UDP to the provider fail to get through (UDP blocked, or STUN on UDP dropped by DPI), so media needs TCP or TLS?",
  },
  stunOverTcpBlocked: { shape: { type: "yes-no" }, asks: "does DPI drop STUN framed by TCP (TURN over TCP) to the provider?" },
  lateVerdict: { shape: { type: "yes-no" }, asks: "does a firewall let a classified flow start and then kill it?" },
  vpn: { shape: { type: "yes-no" }, asks: "does the seat's traffic to its SIP or TURN server go through a VPN tunnel?" },
  vpnMode: { shape: { type: "choice", choices: ["none", "full", "split"] }, asks: "is the tunnel full (everything) or split (some routes)?" },
  natType: { shape: { type: "choice", choices: NAT_TYPES }, asks: "the NAT type (RFC 3489 names) the seat sees towards the TURN server" },
  natMapping: { shape: { type: "choice", choices: ["none", ...DEPENDENCIES] }, asks: "RFC 4787 mapping behaviour of the path's NATs, taken together" },
  natFiltering: { shape: { type: "choice", choices: ["none", ...DEPENDENCIES] }, asks: "RFC 4787 filtering behaviour of the path's NATs, taken together" },
  pathMtu: { shape: { type: "number", tolerance: 0, unit: "bytes" }, asks: "the largest IP packet that reaches the TURN server unfragmented" },
} as const satisfies Record<string, Question>;

export type QuestionId = keyof typeof QUESTIONS;
export const QUESTION_IDS = Object.keys(QUESTIONS) as [QuestionId, ...QuestionId[]];

/** An answer: a word from the question's shape, or a number. */
export type Answer = string | number;

/**
 * RFC 3489's name for an RFC 4787 behaviour: any destination-dependent mapping is "symmetric" (RFC 3489 has
 * no name for an address-dependent one); with an endpoint-independent mapping the filtering names the cone.
 * Undefined when the mapping is endpoint-independent and the filtering is not known.
 */
export function natTypeName(
  mapping: Dependency,
  filtering: Dependency | undefined,
): "full-cone" | "restricted-cone" | "port-restricted-cone" | "symmetric" | undefined {
  if (mapping !== "endpoint-independent") return "symmetric";
  if (filtering === undefined) return undefined;
  return filtering === "endpoint-independent" ? "full-cone" : filtering === "address-dependent" ? "restricted-cone" : "port-restricted-cone";
}

/** Whether `verdict` is the truth's answer, by the question's shape. */
export function isRight(question: QuestionId, truth: Answer, verdict: Answer): boolean {
  const shape: QuestionShape = QUESTIONS[question].shape;
  if (shape.type === "number") return typeof verdict === "number" && typeof truth === "number" && Math.abs(verdict - truth) <= shape.tolerance;
  return verdict === truth;
}

/** The answers a question accepts, for messages: "yes, no" or "none, full, split" or "a number (bytes)". */
export function describeAnswers(question: QuestionId): string {
  const shape: QuestionShape = QUESTIONS[question].shape;
  if (shape.type === "yes-no") return YES_NO.join(", ");
  if (shape.type === "choice") return shape.choices.join(", ");
  return `a number (${shape.unit})`;
}
