import type { Session, SessionDescriptionHandler } from "sip.js/lib/api/index.js";
import type { IceReport } from "../calls/ice-report.js";
import type { RtpSnapshot } from "./rtp-session.js";

/**
 * How an agent carries a call's audio: plain RTP (classic SIP phones) or a WebRTC peer connection. sip.js
 * asks for a media handler per session; the agent tells the plane when the session starts and ends.
 */
export interface MediaPlane {
  /** sip.js's sessionDescriptionHandlerFactory; must be synchronous, so `prepare()` runs before a call. */
  makeHandler(session: Session): SessionDescriptionHandler;
  prepare(): Promise<void>;
  established(session: Session): void;
  terminated(session: Session): void;
  /** Received-side counters and the tone heard, in the shape the media check reads. */
  snapshot(session: Session): Promise<RtpSnapshot | undefined>;
  /** ICE/DTLS evidence; undefined for planes without ICE. */
  ice(session: Session): Promise<IceReport | undefined>;
  /** Why the far end's SDP could not be applied to this session's media, if it could not. */
  descriptionError?(session: Session): string | undefined;
  close(): void;
}

/** Raised by a plane when a call's media cannot work although its signalling did (ICE failed, no RTP came). */
export type MediaFailureListener = (session: Session, stage: "ice" | "no-media", reason: string) => void;
