// The SBC's per-lab files: rtpengine's configuration, and the flags Kamailio hands it for each leg. Pure, so
// tested without Docker; the values come from the validated topology only.
import { parseIp } from "../../common/ipv4.js";
import { NAT_HANDLING } from "../sip-server/kamailio-files.js";

export const RTPENGINE_CONFIG_PATH = "/etc/rtpengine/callpath.conf";
/** Kamailio talks to rtpengine over the ng protocol on loopback only; containers/sbc/callpath-sbc waits for it. */
export const RTPENGINE_NG = { address: "127.0.0.1", port: 2223 } as const;
/** rtpengine's CLI, on loopback: `rtpengine-ctl` reads its totals for the evidence. */
export const RTPENGINE_CLI = { address: "127.0.0.1", port: 9900 } as const;
/** Media ports the relay allocates from: a range of its own, clear of the agents' RTP ports. */
export const RTPENGINE_PORTS = { min: 30000, max: 30999 } as const;

export interface RtpengineSettings {
  /** The node's address: where media is relayed from and to, named in every SDP it rewrites. */
  readonly address: string;
}

export function rtpengineConfig(s: RtpengineSettings): string {
  if (!parseIp(s.address)) throw new Error(`rtpengine needs an IPv4 address, not "${s.address}"`);
  return [
    "[rtpengine]",
    `interface = ${s.address}`,
    `listen-ng = ${RTPENGINE_NG.address}:${RTPENGINE_NG.port}`,
    `listen-cli = ${RTPENGINE_CLI.address}:${RTPENGINE_CLI.port}`,
    `port-min = ${RTPENGINE_PORTS.min}`,
    `port-max = ${RTPENGINE_PORTS.max}`,
    // Userspace forwarding: the kernel module would be a host-wide change no lab may make.
    "table = -1",
    "foreground = true",
    "log-stderr = true",
    "log-level = 6",
    // A call whose media stops is dropped after this long, as a provider's relay does.
    "timeout = 60",
    "silent-timeout = 3600",
    "delete-delay = 0",
    "",
  ].join("\n");
}

/** The media profile of one leg: what rtpengine must make the SDP into for the endpoint that receives it. */
export type LegProfile = "webrtc" | "sip";

/**
 * Where the relay sends a classic phone's media before (or instead of) learning it from the phone's RTP:
 * the sip-server's own NAT handling choices, so one topology word means the same on both kinds.
 */
export const SBC_NAT = NAT_HANDLING;
/** Whether the relay learns (latches onto) where a phone's media really comes from. */
export const SBC_LATCHING = ["symmetric", "strict", "handover", "none"] as const;

/** How the relay treats a classic phone's side: the provider behaviours a topology chooses. */
export interface SipEndpointPolicy {
  readonly nat: (typeof SBC_NAT)[number];
  readonly latching: (typeof SBC_LATCHING)[number];
}

/**
 * Flags for SDP a classic phone sent (its offer, or its answer). `nat: source` takes the media address
 * from the SIP packet's source (SIP-source-address, the SDP's port kept), `sdp` trusts the SDP's
 * address. `symmetric` learns the real source from the first RTP (rtpengine's default) and keeps it,
 * `strict` also drops RTP from anywhere but that source afterwards (strict-source), `handover` follows the
 * source wherever it moves (media-handover: a NAT that rebooted), `none` never learns (asymmetric): media
 * goes where the SDP (or the source address) says, whatever comes back. WebRTC sides are left to ICE.
 */
export function sipEndpointFlags(p: SipEndpointPolicy): string {
  const nat = p.nat === "source" ? "SIP-source-address" : "trust-address";
  const latching = { symmetric: [], strict: ["strict-source"], handover: ["media-handover"], none: ["asymmetric"] }[p.latching];
  return [nat, ...latching].join(" ");
}

/** Audio codecs a leg can be limited to: the ones both libwebrtc and the relay's transcoder (libavcodec) have. */
export const SBC_CODECS = ["opus", "PCMU", "PCMA", "G722"] as const;
export type SbcCodec = (typeof SBC_CODECS)[number];

/** The codecs each leg may carry; a leg left out carries whatever its endpoints offer. */
export interface LegCodecs {
  readonly webrtc?: readonly SbcCodec[];
  readonly sip?: readonly SbcCodec[];
}

/**
 * Flags for an offer or answer that goes to an endpoint of `to`'s profile. WebRTC gets ICE, DTLS-SRTP
 * (never SDES, which browsers dropped), RTCP multiplexed and a=mid; a classic phone gets plain RTP, no ICE,
 * RTCP on its own port. Addresses in the SDP become the relay's own. An offer to a leg limited to some
 * codecs offers exactly those: the offerer's are masked (the relay still takes them from the offerer) and
 * the leg's added for transcoding, so a codec both sides have still passes through untouched.
 */
export function legFlags(to: LegProfile, kind: "offer" | "answer" = "offer", codecs: readonly SbcCodec[] = []): string {
  const common = ["replace-origin", "replace-session-connection"];
  const profile =
    to === "webrtc"
      ? ["ICE=force", "DTLS=passive", "SDES-off", "RTP/SAVPF", "rtcp-mux-require", "generate-mid"]
      : ["ICE=remove", "DTLS=off", "RTP/AVP", "rtcp-mux-demux"];
  const codecFlags = kind === "offer" && codecs.length > 0 ? ["codec-mask-all", ...codecs.map((c) => `codec-transcode-${c}`)] : [];
  return [...common, ...profile, ...codecFlags].join(" ");
}

export const SBC_KAMAILIO_PATH = "/etc/kamailio/callpath-sbc.cfg";

/**
 * The defines kamailio.cfg's WITH_SBC part reads: the relay's socket, each profile's flags for offers and
 * answers, the flags for SDP from a classic phone (RTPE_SIP_ENDPOINT), and, for a leg limited to some codecs, the list an offer from that leg is cut down to
 * (SBC_KEEP_WEBRTC, SBC_KEEP_SIP; an offer with none of them is answered 488).
 */
export function sbcKamailioConfig(codecs: LegCodecs = {}, sip: SipEndpointPolicy = { nat: "source", latching: "symmetric" }): string {
  for (const c of [...(codecs.webrtc ?? []), ...(codecs.sip ?? [])])
    if (!(SBC_CODECS as readonly string[]).includes(c)) throw new Error(`unknown codec "${c}"; valid: ${SBC_CODECS.join(", ")}`);
  const keep = (name: string, list: readonly SbcCodec[] | undefined): string[] => (list?.length ? [`#!define ${name} "${list.join(",")}"`] : []);
  return [
    `#!define RTPE_SOCK "udp:${RTPENGINE_NG.address}:${RTPENGINE_NG.port}"`,
    `#!define RTPE_OFFER_TO_WEBRTC "${legFlags("webrtc", "offer", codecs.webrtc)}"`,
    `#!define RTPE_ANSWER_TO_WEBRTC "${legFlags("webrtc", "answer")}"`,
    `#!define RTPE_OFFER_TO_SIP "${legFlags("sip", "offer", codecs.sip)}"`,
    `#!define RTPE_ANSWER_TO_SIP "${legFlags("sip", "answer")}"`,
    `#!define RTPE_SIP_ENDPOINT "${sipEndpointFlags(sip)}"`,
    ...keep("SBC_KEEP_WEBRTC", codecs.webrtc),
    ...keep("SBC_KEEP_SIP", codecs.sip),
    "",
  ].join("\n");
}
