import { z } from "zod";
import { AgentHandle } from "../../calls/agent-handle.js";
import type { ResolvedTopology } from "../../topology/types.js";
import { defineKind } from "../kind.js";
import { SIP_DOMAIN, SIP_PORT } from "../sip-server/index.js";

export const UserAgentSpec = z.strictObject({
  network: z.string().describe("the network the agent sits on"),
  gateway: z.string().optional().describe("the router it sends everything off-link through (a nat-router on the same network)"),
  sip: z.strictObject({
    server: z.string().describe("the sip-server node it registers with and sends calls through"),
    user: z.string().regex(/^[a-z0-9._-]+$/).optional().describe("user part of its address of record; default: the node name"),
  }),
  tone: z.number().int().min(200).max(3400).optional().describe("frequency (Hz) of the tone it sends; default: unique per agent"),
  answer: z.enum(["auto", "manual"]).default("auto").describe("answer incoming calls by itself, or only when a step says so"),
  answerDelayMs: z.number().int().min(0).max(60_000).default(200).describe("ringing time before an automatic answer"),
  latchMedia: z
    .boolean()
    .default(false)
    .describe("symmetric-RTP latching: send media to where the far end's RTP comes from, as a provider's media relay does"),
});
export type UserAgentSpec = z.infer<typeof UserAgentSpec>;

export const SIP_LOCAL_PORT = 5060;
export const RTP_PORT_BASE = 16384;

/** The tone an agent sends: its own, or one spaced 150 Hz apart from every other agent's. */
export function toneOf(name: string, topology: ResolvedTopology): number {
  const agents = [...topology.nodes.values()].filter((n) => n.kind === "user-agent");
  const spec = topology.nodes.get(name)?.spec as UserAgentSpec | undefined;
  return spec?.tone ?? 400 + 150 * agents.findIndex((n) => n.name === name);
}

export function userOf(name: string, topology: ResolvedTopology): string {
  return (topology.nodes.get(name)?.spec as UserAgentSpec | undefined)?.sip.user ?? name;
}

export const userAgent = defineKind<UserAgentSpec>({
  name: "user-agent",
  summary: "callpath's SIP user agent (sip.js over UDP, plain RTP), driven over docker exec stdio",
  spec: UserAgentSpec,
  attachments: (spec) => [{ network: spec.network, role: "default" }],
  gateway: (spec) => spec.gateway,
  references: (spec) => [
    { path: "sip.server", node: spec.sip.server, kinds: ["sip-server"] },
    ...(spec.gateway ? [{ path: "gateway", node: spec.gateway, kinds: ["nat-router"] }] : []),
  ],
  plan: () => ({ image: "user-agent", capAdd: ["NET_ADMIN"] }),
  async ready(rt) {
    const spec = rt.node.spec as UserAgentSpec;
    const config = {
      name: rt.name,
      user: spec.sip.user ?? rt.name,
      domain: SIP_DOMAIN,
      proxy: `${rt.addressOf(spec.sip.server)}:${SIP_PORT}`,
      address: rt.addressOf(rt.name),
      sipPort: SIP_LOCAL_PORT,
      rtpPortBase: RTP_PORT_BASE,
      toneHz: toneOf(rt.name, rt.topology),
      autoAnswerMs: spec.answer === "auto" ? spec.answerDelayMs : null,
      latchMedia: spec.latchMedia,
    };
    const proc = await rt.spawn(["/usr/local/bin/node", "/opt/callpath/agent.mjs", JSON.stringify(config)]);
    return AgentHandle.start(rt.name, proc);
  },
});
