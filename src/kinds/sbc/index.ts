import { z } from "zod";
import { defineKind } from "../kind.js";
import {
  InboundSpec,
  KeepalivesSpec,
  kamailioListening,
  providerAttachments,
  RegistrarSpec,
  registrarIssues,
  writeKamailioFiles,
} from "../sip-server/index.js";
import { RTPENGINE_CONFIG_PATH, RTPENGINE_NG, rtpengineConfig, SBC_CODECS, SBC_KAMAILIO_PATH, SBC_LATCHING, SBC_NAT, sbcKamailioConfig } from "./sbc-files.js";

const legCodecs = (leg: string) =>
  z
    .array(z.enum(SBC_CODECS))
    .min(1)
    .max(SBC_CODECS.length)
    .refine((c) => new Set(c).size === c.length, "each codec once")
    .optional()
    .describe(`codecs the ${leg} leg may carry, in order of preference; the relay transcodes where the legs share none. Default: what the endpoints offer`);

export const SbcSpec = z.strictObject({
  network: z.string().describe("the network the SBC listens on and relays media from (usually the public one)"),
  registrar: RegistrarSpec,
  inbound: InboundSpec,
  keepalives: KeepalivesSpec,
  codecs: z
    .strictObject({ webrtc: legCodecs("WebRTC (WS/WSS)"), sip: legCodecs("classic SIP (UDP/TCP/TLS)") })
    .optional()
    .describe("limit each leg to some codecs: a provider whose WebRTC side speaks Opus only and whose phones speak G.711, say"),
  nat: z
    .enum(SBC_NAT)
    .default("source")
    .describe("where a classic phone's media is sent before any RTP is learnt: the SIP packet's source address (source) or the SDP's address (sdp)"),
  latching: z
    .enum(SBC_LATCHING)
    .default("symmetric")
    .describe(
      "learn where a phone's RTP really comes from and send there (symmetric), and drop RTP from elsewhere afterwards (strict), follow the source wherever it moves (handover), or never learn (none)",
    ),
});
export type SbcSpec = z.infer<typeof SbcSpec>;

/**
 * A provider's edge: the sip-server's Kamailio (registrar, proxy, every SIP transport) with rtpengine beside
 * it relaying every call's media. Each leg gets its own profile, so a WebRTC app (ICE, DTLS-SRTP) can call a
 * classic phone (plain RTP) and back, which no plain proxy can carry.
 */
export const sbc = defineKind<SbcSpec>({
  name: "sbc",
  capturable: true,
  summary:
    "Kamailio with rtpengine: the sip-server's registrar and proxy plus a media relay that bridges WebRTC (ICE, DTLS-SRTP) and classic SIP phones (plain RTP)",
  spec: SbcSpec,
  attachments: providerAttachments,
  plan: () => ({ image: "sbc" }),
  check: registrarIssues,
  configure: (rt) =>
    writeKamailioFiles(rt, [
      { path: RTPENGINE_CONFIG_PATH, content: rtpengineConfig({ address: rt.addressOf(rt.name) }) },
      { path: SBC_KAMAILIO_PATH, content: sbcKamailioConfig(rt.node.spec.codecs, rt.node.spec) },
    ]),
  // callpath-sbc starts Kamailio only once rtpengine listens; its control port is checked too, so a relay
  // that died after that is a failed start, not a call without media.
  ready: (rt, signal) => kamailioListening(rt, signal, { udp: [RTPENGINE_NG.port] }),
});
