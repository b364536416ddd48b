import { z } from "zod";
import { defineKind } from "../kind.js";
import { kamailioListening, writeKamailioFiles } from "../sip-server/index.js";
import { RTPENGINE_CONFIG_PATH, RTPENGINE_NG, rtpengineConfig, SBC_KAMAILIO_PATH, sbcKamailioConfig } from "./sbc-files.js";

export const SbcSpec = z.strictObject({
  network: z.string().describe("the network the SBC listens on and relays media from (usually the public one)"),
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
  attachments: (spec) => [{ network: spec.network, role: "default" }],
  plan: () => ({ image: "sbc" }),
  configure: (rt) =>
    writeKamailioFiles(rt, [
      { path: RTPENGINE_CONFIG_PATH, content: rtpengineConfig({ address: rt.addressOf(rt.name) }) },
      { path: SBC_KAMAILIO_PATH, content: sbcKamailioConfig() },
    ]),
  // callpath-sbc starts Kamailio only once rtpengine listens; its control port is checked too, so a relay
  // that died after that is a failed start, not a call without media.
  ready: (rt, signal) => kamailioListening(rt, signal, { udp: [RTPENGINE_NG.port] }),
});
