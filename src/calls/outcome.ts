// The call outcome model: what one agent saw of a registration or a call. Shared by the agent (inside its
// container) and the test process, so both sides speak the same JSON.
import type { SipTraceEntry } from "../agent/sip-trace.js";
import type { RtpSnapshot } from "../agent/rtp-session.js";

export type { SipTraceEntry, RtpSnapshot };

/** The stage at which a registration or call stopped short. */
export type FailedStage =
  | "no-response" // nothing came back: the request (or every retransmission of it) was lost — Timer B/F fired
  | "rejected" // a final 4xx/5xx/6xx answered the request
  | "timeout" // provisional responses came but no final answer within the caller's limit
  | "transport" // the local transport could not send
  | "sdp" // a 2xx answered the INVITE but its SDP could not be used (a WebRTC offer answered with plain RTP)
  | "ice" // signalling succeeded but ICE found no working candidate pair (WebRTC)
  | "no-media"; // signalling succeeded but RTP did not flow (set by media checks)

export interface RegistrationOutcome {
  readonly registered: boolean;
  /** Final SIP status of the last REGISTER, or null when none arrived. */
  readonly status: number | null;
  readonly reason: string | null;
  readonly failedStage: FailedStage | null;
  readonly durationMs: number;
}

export interface CallOutcome {
  readonly callId: string;
  readonly direction: "outgoing" | "incoming";
  readonly local: string;
  readonly remote: string;
  readonly established: boolean;
  /** INVITE sent (or received) to 200 OK, in ms. */
  readonly setupMs: number | null;
  /** Final response to the INVITE (the synthetic 408 of a Timer B expiry counts as no response). */
  readonly finalStatus: number | null;
  readonly reason: string | null;
  readonly failedStage: FailedStage | null;
  /** Set when an established call ended: who sent the BYE. */
  readonly endedBy: "local" | "remote" | null;
  readonly startedAt: number;
  readonly endedAt: number | null;
}
