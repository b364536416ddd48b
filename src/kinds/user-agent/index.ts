import { nodeOrPrefixes } from "../node-ref.js";
import { prepareVpnClient } from "../vpn-gateway/index.js";
import { TUN } from "../vpn-gateway/openvpn-config.js";
import { TLS_KEYLOG } from "../../capture/capture-plan.js";
import { ROUTER_KINDS } from "../kind.js";
import { z } from "zod";
import type { AgentConfig } from "../../agent/sip-agent.js";
import { KEEPALIVE_KINDS } from "../../agent/keepalive.js";
import { AgentHandle } from "../../calls/agent-handle.js";
import { TURN_TRANSPORTS } from "../../calls/ice-report.js";
import { choices, type Issue, LabError } from "../../common/errors.js";
import { parseCidr } from "../../common/ipv4.js";
import type { ResolvedNode, ResolvedTopology } from "../../topology/types.js";
import { defineKind, type NodeRuntime } from "../kind.js";
import { SIP_DOMAIN, SIP_HOST } from "../sip-server/index.js";
import { SIP_LISTENERS, webSocketUrl } from "../sip-server/kamailio-files.js";
import { TURN_HOST, TURN_PORTS } from "../turn-server/coturn-config.js";
import { networkRef, nodeOrPrefix as nodeOrPrefixField, nodeRef } from "../../topology/schema.js";
import { connectAgent, startAgentDaemon } from "./agent-daemon.js";

export const IceSpec = z.strictObject({
  server: nodeRef("the turn-server node the agent's ICE uses (STUN and TURN); never a public default"),
  stun: z.boolean().default(true).describe("gather server-reflexive candidates from it"),
  turn: z
    .array(z.enum(TURN_TRANSPORTS))
    .max(TURN_TRANSPORTS.length)
    .refine((t) => new Set(t).size === t.length, "each TURN transport once")
    .default([...TURN_TRANSPORTS])
    .describe("TURN transports the app is configured with: udp and tcp on 3478, tls on tlsPort; [] for none"),
  tlsPort: z
    .union([z.literal(TURN_PORTS.tls443), z.literal(TURN_PORTS.tls)])
    .optional()
    .describe(`port of TURN over TLS (default ${TURN_PORTS.tls443}); needs tls in turn`),
  policy: z.enum(["all", "relay"]).default("all").describe("iceTransportPolicy: 'relay' uses relay candidates only"),
  connectTimeoutMs: z.number().int().min(1000).max(120_000).optional().describe("ICE checking longer than this fails the call (stage 'ice'); default 15000"),
});

export const ICE_CONNECT_TIMEOUT_MS = 15_000;
export const SIP_LOCAL_PORT = 5060;
export const RTP_PORT_BASE = 16384;
/** Longest SIP user part: a phone number or an extension name, not a payload. */
export const SIP_USER_MAX = 64;
export const ANSWER_DELAY_MS = 200;
/** Kinds an agent may register with: both are Kamailio, the SBC with a media relay beside it. */
export const SIP_SERVER_KINDS: readonly string[] = ["sip-server", "sbc"];

export const UserAgentSpec = z.strictObject({
  network: networkRef("the network the agent sits on"),
  gateway: nodeRef("the router it sends everything off-link through (a nat-router on the same network)").optional(),
  sip: z.strictObject({
    server: nodeRef("the sip-server or sbc node it registers with and sends calls through"),
    user: z
      .string()
      .max(SIP_USER_MAX)
      .regex(/^[a-z0-9._-]+$/, "lower case letters, digits, '.', '_' and '-'")
      .optional()
      .describe("user part of its address of record; default: the node name"),
    transport: z
      .enum(["udp", "tcp", "tls", "ws", "wss"])
      .default("udp")
      .describe("udp/tcp/tls: a classic SIP phone with plain RTP; ws/wss: a WebRTC client (SIP over WebSocket, ICE, DTLS-SRTP, Opus)"),
    localPort: z.number().int().min(1).max(65535).optional().describe(`UDP port the phone sends SIP from (sip.transport udp); default ${SIP_LOCAL_PORT}`),
    serverPort: z
      .union([z.literal(SIP_LISTENERS.udp), z.literal(SIP_LISTENERS.udpAlt)])
      .optional()
      .describe("server port for SIP over UDP: 5060, or 5080, which ALGs keyed on 5060 never see"),
    keepalive: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .optional()
      .describe("seconds between keep-alives to the server, to hold NAT pinholes open (sip.transport udp)"),
    keepaliveKind: z
      .enum(KEEPALIVE_KINDS)
      .default("crlf")
      .describe(
        "what the keep-alives are: a double CRLF, which nobody answers over UDP; an OPTIONS to the server; or a STUN Binding request on the SIP port (RFC 5626). An answer reports the phone's public address, and a phone that sees it change registers again at once",
      ),
  }),
  ice: IceSpec.optional().describe("ICE servers and policy of a WebRTC agent (sip.transport ws or wss)"),
  tone: z.number().int().min(200).max(3400).optional().describe("frequency (Hz) of the tone it sends; default: unique per agent"),
  answer: z.enum(["auto", "manual"]).default("auto").describe("answer incoming calls by itself, or only when a step says so"),
  answerDelayMs: z.number().int().min(0).max(60_000).optional().describe(`ringing time before an automatic answer (answer auto); default ${ANSWER_DELAY_MS}`),
  latchMedia: z.boolean().default(false).describe("symmetric-RTP latching: send media to where the far end's RTP comes from, as a provider's media relay does"),
  vpn: z
    .strictObject({
      server: nodeRef("the vpn-gateway concentrator"),
      mode: z.enum(["full", "split"]).default("full"),
      routes: z.array(nodeOrPrefixField).max(64).default([]).describe("split tunnel: node names or prefixes sent through the tunnel"),
    })
    .optional()
    .describe(
      "an OpenVPN client on the agent's own host: a tun0 interface its WebRTC stack enumerates like any other; a classic phone's SIP and RTP take the address its kernel picks towards the SIP server (the tunnel's, when tun0 carries that route)",
    ),
  strictMediaSource: z
    .boolean()
    .default(false)
    .describe("take RTP only from the address the far end's SDP names, as a relay with rtpengine's strict-source does (plain RTP)"),
  sdpPadding: z
    .number()
    .int()
    .min(0)
    .max(8000)
    .optional()
    .describe("bytes of extra SDP attribute lines, standing in for many codecs, candidates or crypto lines: a large INVITE (plain RTP)"),
  rtpTimeout: z
    .number()
    .min(1)
    .max(3600)
    .optional()
    .describe("seconds without RTP after which an established plain-RTP call's outcome says no-media (a phone's RTP timeout); off by default"),
});
export type UserAgentSpec = z.infer<typeof UserAgentSpec>;

/** The tone an agent sends: its own, or one spaced 150 Hz apart from every other agent's. */
export function toneOf(name: string, topology: ResolvedTopology): number {
  const agents = [...topology.nodes.values()].filter((n) => n.kind === "user-agent");
  const spec = topology.nodes.get(name)?.spec as UserAgentSpec | undefined;
  return spec?.tone ?? 400 + 150 * agents.findIndex((n) => n.name === name);
}

export function userOf(name: string, topology: ResolvedTopology): string {
  return (topology.nodes.get(name)?.spec as UserAgentSpec | undefined)?.sip.user ?? name;
}

/** The SIP server an agent node registers with: the node its `sip.server` reference names. */
export function sipServerRef(node: ResolvedNode): string {
  const ref = userAgent.references!(node.spec as UserAgentSpec).find((r) => r.path === "sip.server");
  if (node.kind !== userAgent.name || !ref) throw new Error(`"${node.name}" is not a user agent (it is a ${node.kind}): it has no SIP server`);
  return ref.node;
}

/** A running user agent: its control channel, closed at teardown. */
export interface UserAgentHandle {
  readonly agent: AgentHandle;
  stop(): Promise<void>;
}

export const userAgent = defineKind<UserAgentSpec, UserAgentHandle>({
  name: "user-agent",
  impairable: true,
  capturable: true,
  summary: "callpath's user agent: a SIP phone (sip.js over UDP, plain RTP) or a WebRTC client (sip.js over WS/WSS, libwebrtc), driven over docker exec stdio",
  spec: UserAgentSpec,
  attachments: (spec) => [{ network: spec.network, role: "default" }],
  gateway: (spec) => spec.gateway,
  references: (spec) => [
    { path: "sip.server", node: spec.sip.server, kinds: SIP_SERVER_KINDS },
    ...(spec.gateway ? [{ path: "gateway", node: spec.gateway, kinds: ROUTER_KINDS }] : []),
    ...(spec.ice ? [{ path: "ice.server", node: spec.ice.server, kinds: ["turn-server"] }] : []),
    ...(spec.vpn ? [{ path: "vpn.server", node: spec.vpn.server, kinds: ["vpn-gateway"] }] : []),
  ],
  check(spec, name, topology) {
    const issues: Issue[] = [];
    const webrtc = isWebRtc(spec);
    // Fields that only one transport, answer mode or tunnel mode reads: set under another, they would do nothing.
    const udpOnly = (field: "localPort" | "serverPort", what: string): void => {
      if (spec.sip[field] !== undefined && spec.sip.transport !== "udp")
        issues.push({ path: `nodes.${name}.sip.${field}`, message: `${what} is for SIP over UDP (sip.transport udp); it is ${spec.sip.transport}` });
    };
    udpOnly("localPort", "the local SIP port");
    udpOnly("serverPort", "the server's UDP port");
    if (spec.sdpPadding !== undefined && webrtc)
      issues.push({
        path: `nodes.${name}.sdpPadding`,
        message: "SDP padding is for plain RTP (sip.transport udp, tcp or tls); a WebRTC offer is made by libwebrtc",
      });
    if (spec.answerDelayMs !== undefined && spec.answer === "manual")
      issues.push({ path: `nodes.${name}.answerDelayMs`, message: "the answer delay is for answer: auto; a manual agent answers when a step says so" });
    if (spec.vpn?.mode === "full" && spec.vpn.routes.length > 0)
      issues.push({ path: `nodes.${name}.vpn.routes`, message: "a full tunnel takes everything; routes are for mode: split" });
    spec.vpn?.routes.forEach((r, i) => {
      if (!topology.nodes.has(r) && !parseCidr(r.includes("/") ? r : `${r}/32`))
        issues.push({
          path: `nodes.${name}.vpn.routes[${i}]`,
          message: `"${r}" is neither a node (${choices([...topology.nodes.keys()])}) nor an IPv4 prefix`,
        });
    });
    if (spec.ice && !webrtc)
      issues.push({ path: `nodes.${name}.ice`, message: `ICE needs a WebRTC agent: set sip.transport to ws or wss (it is ${spec.sip.transport})` });
    if (spec.sip.keepalive !== undefined && spec.sip.transport !== "udp") {
      issues.push({ path: `nodes.${name}.sip.keepalive`, message: `keep-alives are for SIP over UDP (sip.transport udp); it is ${spec.sip.transport}` });
    }
    if (spec.strictMediaSource && webrtc)
      issues.push({
        path: `nodes.${name}.strictMediaSource`,
        message: "strict media source is for plain RTP (sip.transport udp, tcp or tls); WebRTC media is checked by ICE",
      });
    if (spec.rtpTimeout !== undefined && webrtc)
      issues.push({
        path: `nodes.${name}.rtpTimeout`,
        message: "the RTP timeout is for plain RTP (sip.transport udp, tcp or tls); a WebRTC call's media failure shows as ICE",
      });
    if (spec.latchMedia && webrtc)
      issues.push({
        path: `nodes.${name}.latchMedia`,
        message: "latching is for plain RTP (sip.transport udp, tcp or tls); WebRTC media finds its way by ICE",
      });
    if (spec.vpn && !spec.gateway)
      issues.push({ path: `nodes.${name}.vpn`, message: "a VPN client on the agent needs a gateway (its home router), over which the tunnel runs" });
    if (spec.vpn?.mode === "split" && spec.vpn.routes.length === 0)
      issues.push({ path: `nodes.${name}.vpn.routes`, message: "a split tunnel needs routes: the node names or prefixes that go through it" });
    if (spec.ice?.tlsPort !== undefined && !spec.ice.turn.includes("tls"))
      issues.push({ path: `nodes.${name}.ice.tlsPort`, message: "the TURN-over-TLS port does nothing without tls in ice.turn" });
    if (spec.ice?.policy === "relay" && spec.ice.turn.length === 0)
      issues.push({ path: `nodes.${name}.ice.turn`, message: "policy 'relay' needs at least one TURN transport: udp, tcp or tls" });
    return issues;
  },
  plan: (node) => ({ image: "user-agent", capAdd: ["NET_ADMIN"], devices: node.spec.vpn ? ["/dev/net/tun"] : [] }),
  async configure(rt) {
    const spec = rt.node.spec as UserAgentSpec;
    if (spec.vpn) {
      const source = await startAgentVpn(rt, spec.vpn);
      // A classic phone binds its SIP and RTP sockets to one address and writes it into Via, Contact and
      // the SDP: the one its kernel picks towards the SIP server, which is the tunnel's once tun0 carries
      // that route. (libwebrtc enumerates every interface itself: tun0 is one of its host candidates.)
      if (!isWebRtc(spec)) tunnelSources.set(rt, source);
    }
    // libwebrtc here gathers candidates on loopback too, which no browser does: they double every
    // candidate, and a TURN/TCP socket bound to 127.0.0.1 never connects, stalling gathering until its
    // timeout. Take the address off lo (the device stays up, so the agent still reaches itself).
    if (isWebRtc(rt.node.spec as UserAgentSpec)) {
      await rt.exec(["sh", "-c", "ip -4 addr flush dev lo; ip -6 addr flush dev lo 2>/dev/null; true"]);
    }
  },
  startsEarly: true,
  async ready(rt, _signal, dependencies) {
    if (rt.kept) return readyDaemon(rt, dependencies);
    // Node's own key log of every TLS session the agent opens (SIP over TLS, WSS, and TURN over TLS through
    // its TLS bridge; libwebrtc's DTLS is not in it): the capture carries it, so Wireshark decrypts them.
    const proc = await rt.spawn([
      "/usr/local/bin/node",
      `--tls-keylog=${TLS_KEYLOG}`,
      "/opt/callpath/agent.mjs",
      JSON.stringify(agentConfig(rt, tunnelSources.get(rt))),
    ]);
    // Loading Node, the bundle and libwebrtc needs nothing from the lab: it overlaps the servers' start.
    const agent = await AgentHandle.load(rt.name, proc);
    try {
      await dependencies;
      await agent.startSip();
    } catch (e) {
      await agent.shutdown();
      throw e;
    }
    return { agent, stop: () => agent.shutdown() };
  },
});

/**
 * A kept lab's agent (`callpath up`): a daemon in its node that outlives this process (agent-daemon.ts).
 * Its handle's stop lets go of the channel only; the daemon goes with the node.
 */
async function readyDaemon(rt: NodeRuntime, dependencies: Promise<void>): Promise<UserAgentHandle> {
  await startAgentDaemon(rt, agentConfig(rt, tunnelSources.get(rt)));
  const agent = await connectAgent(rt);
  try {
    await dependencies;
    await agent.startSip();
  } catch (e) {
    await agent.shutdown();
    throw e;
  }
  return { agent, stop: async () => agent.close() };
}

/**
 * The agent's own VPN client: the tunnel runs over its gateway (a host route keeps the concentrator there);
 * a full tunnel then takes everything off the LAN (0/1 and 128/1 beat the default route without
 * replacing it), a split one only the chosen routes. Up before the agent starts, so its WebRTC stack
 * sees tun0 from the first call.
 */
/** A classic phone's address inside its own tunnel, once configure has brought the tunnel up. */
const tunnelSources = new WeakMap<NodeRuntime, string>();

/** Returns the source address the node's kernel picks towards its SIP server once the tunnel is up. */
async function startAgentVpn(rt: NodeRuntime, vpn: NonNullable<UserAgentSpec["vpn"]>): Promise<string> {
  const spec = rt.node.spec as UserAgentSpec;
  const client = await prepareVpnClient(rt, vpn.server);
  const via = rt.addressOf(
    spec.gateway!,
    rt.node.interfaces.find((i) => rt.topology.nodes.get(spec.gateway!)!.interfaces.some((g) => g.network === i.network))!.network,
  );
  const routes =
    vpn.mode === "full"
      ? [`ip route add 0.0.0.0/1 dev ${TUN}`, `ip route add 128.0.0.0/1 dev ${TUN}`]
      : vpn.routes.flatMap((r) => nodeOrPrefixes(rt, r)).map((p) => `ip route add ${p} dev ${TUN}`);
  const sipServer = rt.addressOf(spec.sip.server);
  const out = await rt.exec([
    "sh",
    "-ec",
    [
      `ip route add ${client.serverIp}/32 via ${via}`,
      ...client.start,
      ...routes,
      `ip -4 route get ${sipServer} | sed -n 's/.* src \\([0-9.]*\\).*/\\1/p'`,
    ].join("\n"),
  ]);
  const source = out.trim().split("\n").at(-1) ?? "";
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(source))
    throw new LabError(`${rt.name}: no source address towards ${spec.sip.server} (${sipServer}) after its VPN came up: ${out.trim()}`);
  return source;
}

export function isWebRtc(spec: UserAgentSpec): boolean {
  return spec.sip.transport === "ws" || spec.sip.transport === "wss";
}

/** What the agent process is told: addresses, the lab CA and TURN credentials all come from the lab. */
/** `localAddress`: a classic phone's address when it is not its LAN one (inside its own VPN tunnel). */
export function agentConfig(rt: NodeRuntime, localAddress?: string): AgentConfig {
  const spec = rt.node.spec as UserAgentSpec;
  const address = localAddress ?? rt.addressOf(rt.name);
  const server = rt.addressOf(spec.sip.server);
  const toneHz = toneOf(rt.name, rt.topology);
  const common = {
    name: rt.name,
    user: spec.sip.user ?? rt.name,
    domain: SIP_DOMAIN,
    autoAnswerMs: spec.answer === "auto" ? (spec.answerDelayMs ?? ANSWER_DELAY_MS) : null,
  };
  const transport = spec.sip.transport;
  // A classic phone's plain RTP, the same over every SIP transport.
  const rtpMedia = {
    kind: "rtp" as const,
    address,
    rtpPortBase: RTP_PORT_BASE,
    toneHz,
    latchMedia: spec.latchMedia,
    rtpTimeoutMs: spec.rtpTimeout ? spec.rtpTimeout * 1000 : null,
    sdpPadding: spec.sdpPadding ?? 0,
    strictSource: spec.strictMediaSource,
  };
  if (transport === "tcp" || transport === "tls") {
    return {
      ...common,
      signalling: {
        transport,
        proxy: `${server}:${transport === "tls" ? SIP_LISTENERS.tls : SIP_LISTENERS.tcp}`,
        address,
        ...(transport === "tls" ? { ca: rt.secrets.caPem, servername: SIP_HOST } : {}),
      },
      media: rtpMedia,
    };
  }
  if (transport === "udp") {
    return {
      ...common,
      signalling: {
        transport,
        proxy: `${server}:${spec.sip.serverPort ?? SIP_LISTENERS.udp}`,
        address,
        port: spec.sip.localPort ?? SIP_LOCAL_PORT,
        keepaliveMs: spec.sip.keepalive ? spec.sip.keepalive * 1000 : null,
        keepaliveKind: spec.sip.keepaliveKind,
      },
      media: rtpMedia,
    };
  }
  const ice = spec.ice;
  const iceServer = ice ? rt.addressOf(ice.server) : null;
  return {
    ...common,
    signalling: { transport, url: webSocketUrl(transport, server), servername: SIP_HOST, ca: rt.secrets.caPem },
    media: {
      kind: "webrtc",
      address,
      toneHz,
      ca: rt.secrets.caPem,
      stun: ice?.stun && iceServer ? `${iceServer}:${TURN_PORTS.plain}` : null,
      turn:
        ice && iceServer
          ? {
              address: iceServer,
              servername: TURN_HOST,
              username: rt.secrets.turn.username,
              password: rt.secrets.turn.password,
              udpTcpPort: TURN_PORTS.plain,
              tlsPort: ice.tlsPort ?? TURN_PORTS.tls443,
            }
          : null,
      turnTransports: ice?.turn ?? [],
      iceTransportPolicy: ice?.policy ?? "all",
      // Lab servers answer in milliseconds; a short limit keeps an unreachable one from stalling the offer.
      iceGatheringTimeoutMs: 3000,
      iceConnectTimeoutMs: ice?.connectTimeoutMs ?? ICE_CONNECT_TIMEOUT_MS,
    },
  };
}
