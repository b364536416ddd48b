import { z } from "zod";
import { networkRef, nodeRef } from "../../topology/schema.js";
import { defineKind, ROUTER_KINDS } from "../kind.js";

/** A Docker image reference: [registry/]name[:tag][@digest], lower case. */
export const IMAGE_REF = /^[a-z0-9][a-z0-9._/-]{0,200}(:[A-Za-z0-9._-]{1,128})?(@sha256:[a-f0-9]{64})?$/;

export const HeuristicSpec = z.strictObject({
  image: z.string().max(300).regex(IMAGE_REF, "a local Docker image reference (name[:tag], lower case)").describe("the heuristic's image"),
  network: networkRef("the seat's network: the heuristic sits beside the seat"),
  gateway: nodeRef("the seat's gateway, so its packets take the seat's path").optional(),
});
export type HeuristicSpec = z.infer<typeof HeuristicSpec>;

/** The command a heuristic image's node idles on until the runner execs the image's own entrypoint. */
export const IDLE = ["sleep", "infinity"] as const;

// A diagnostic heuristic shipped as a container image (callpath diagnose --heuristic image:<ref>): a node
// beside the seat, behind the same gateway. The lab sets its routes and checks it is sealed as for any
// node, so the image needs sh, ip (iproute2), sleep, timeout and env: any Debian- or Alpine-based image.
export const heuristicNode = defineKind<HeuristicSpec>({
  name: "heuristic",
  summary: "a diagnostic heuristic's container image, beside a seat and behind its gateway (callpath diagnose)",
  spec: HeuristicSpec,
  attachments: (spec) => [{ network: spec.network, role: "default" }],
  gateway: (spec) => spec.gateway,
  references: (spec) => (spec.gateway ? [{ path: "gateway", node: spec.gateway, kinds: ROUTER_KINDS }] : []),
  plan: (node) => ({ image: node.spec.image, entrypoint: [...IDLE], cmd: [], capAdd: ["NET_RAW"] }),
});
