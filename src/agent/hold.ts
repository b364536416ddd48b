import * as sdpTransform from "sdp-transform";

// Hold and resume as phones do them (RFC 3264 §8.4, RFC 6337 §5.3): a re-INVITE whose offer says
// a=sendonly (the holder may play music on hold), a=inactive (nothing either way), or, as RFC 2543 phones
// still do, c=0.0.0.0 (send me nothing; the holder goes quiet too). A resume offers sendrecv again.

export const HOLD_STYLES = ["sendonly", "inactive", "c=0.0.0.0"] as const;
export type HoldStyle = (typeof HOLD_STYLES)[number];
export type Direction = "sendrecv" | "sendonly" | "recvonly" | "inactive";

/** The direction an offer says for the holder's own stream. */
export function offerDirection(hold: HoldStyle | null): Direction {
  return hold === "sendonly" ? "sendonly" : hold === "inactive" ? "inactive" : "sendrecv";
}

/** RFC 3264 §6.1: the answer's direction for an offer's, from an answerer that holds nothing itself. */
export function answerDirection(offered: Direction): Direction {
  return offered === "sendonly" ? "recvonly" : offered === "recvonly" ? "sendonly" : offered;
}

/** The audio stream's direction and address as an SDP states them (media level first; sendrecv when unsaid). */
export function sdpAudio(sdp: string): { direction: Direction; address: string | undefined } {
  const parsed = sdpTransform.parse(sdp);
  const audio = parsed.media.find((m) => m.type === "audio");
  const direction = (audio?.direction ?? (parsed as { direction?: Direction }).direction ?? "sendrecv") as Direction;
  return { direction, address: audio?.connection?.ip ?? parsed.connection?.ip };
}

/**
 * Whether this side sends audio once an offer/answer completes: its own direction allows sending, the
 * peer's allows receiving, and the peer did not ask for nothing with c=0.0.0.0. A holder that sent
 * c=0.0.0.0 itself goes quiet too, as such phones do.
 */
export function sends(own: { direction: Direction; address: string }, peer: { direction: Direction; address: string | undefined }): boolean {
  const ownSends = own.direction === "sendrecv" || own.direction === "sendonly";
  const peerReceives = peer.direction === "sendrecv" || peer.direction === "recvonly";
  return ownSends && peerReceives && peer.address !== "0.0.0.0" && own.address !== "0.0.0.0";
}
