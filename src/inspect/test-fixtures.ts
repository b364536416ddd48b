import { readFileSync } from "node:fs";
import { type InspectPacket, parseInspection } from "./packets.js";

// The inspector's unit tests read real dissections of callpath's own failing labs (made with
// scripts/inspect-fixture.ts from captures of scripts/try-capture.ts runs), and turn them into what a
// customer would send: one vantage point, no interface names.

export type FixtureName =
  | "alg-headers-not-sdp"
  | "alg-netfilter"
  | "alg-content-length-unfixed"
  | "alg-wrong-contact-port"
  | "webrtc-udp-blocked"
  | "vpn-drop-fragments"
  | "vpn-mtu-1400";

export function fixture(name: FixtureName): InspectPacket[] {
  return parseInspection(readFileSync(new URL(`./fixtures/${name}.tshark.json`, import.meta.url), "utf8"));
}

/** The capture as a customer's would be: only what `iface` saw (or everything), with no interface names. */
export function anonymous(packets: readonly InspectPacket[], iface?: string): InspectPacket[] {
  return packets.filter((p) => iface === undefined || p.iface === iface).map((p) => ({ ...p, iface: "?" }));
}
