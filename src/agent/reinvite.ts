// When a re-INVITE may be sent, and when a refused one may be sent again (RFC 3261 §14.1, §14.2).

/** A session as far as the re-INVITE rules need it: sip.js's own state and its dialog's. */
export interface ReinviteSession {
  /** sip.js's api SessionState ("Established", ...). */
  readonly state: string;
  readonly dialog?:
    | {
        /** sip.js's core dialog state: "AckWait" while the 2xx of an answered call has not been ACKed. */
        readonly sessionState: string;
        /** Set while a re-INVITE we answered awaits its ACK, and while one we sent awaits its answer. */
        readonly reinviteUserAgentServer?: unknown;
        readonly reinviteUserAgentClient?: unknown;
      }
    | undefined;
}

/** 64 × T1: after this sip.js gives up on the ACK and hangs the call up itself (RFC 3261 §13.3.1.4). */
const ACK_WAIT_MS = 64 * 500;

function inviteInProgress(session: ReinviteSession): string | null {
  const d = session.dialog;
  if (d?.sessionState === "AckWait") return "the call's 200 OK was never ACKed";
  if (d?.reinviteUserAgentServer) return "the far end's re-INVITE was never ACKed";
  if (d?.reinviteUserAgentClient) return "our previous re-INVITE was never answered";
  return null;
}

/**
 * Resolves once no INVITE transaction is in progress on the call's dialog, in either direction.
 * RFC 3261 §14.1: a UA MUST NOT start a re-INVITE while an INVITE server transaction is in progress.
 * sip.js calls an incoming call Established as soon as its 200 leaves; if our re-INVITE's offer is out
 * when that call's ACK arrives, sip.js reads the ACK as an answer that is missing (signalling state
 * HaveLocalOffer), logs "Invalid signaling state HaveLocalOffer" and hangs up. After a re-INVITE from
 * the far end it refuses outright until that one's ACK is in ("There is an ongoing re-INVITE server
 * transaction"). The ACK crosses the proxy (and over TLS one more hop of crypto and NAT), so a re-INVITE
 * asked for right after the other side saw its 200 can lose that race.
 */
export async function inviteTransactionsSettled(session: ReinviteSession, pollMs = 10, limitMs = ACK_WAIT_MS + 2000): Promise<void> {
  const deadline = Date.now() + limitMs;
  for (let busy = inviteInProgress(session); busy; busy = inviteInProgress(session)) {
    if (session.state !== "Established") break;
    if (Date.now() > deadline) throw new Error(`${busy} within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
  if (session.state !== "Established") throw new Error(`the call ended (${session.state}) before the re-INVITE`);
}

/** At most this many re-INVITEs for one request, the first included. */
export const REINVITE_ATTEMPTS = 3;

/**
 * How long to wait before sending a refused re-INVITE again, or null when it must not be retried.
 * 491 Request Pending (both sides re-INVITEd at once, §14.2): the owner of the Call-ID (the caller)
 * waits 2.1–4 s, the other side 0–2 s, in units of 10 ms (§14.1), so one of the two goes first.
 * 500 with Retry-After (the far end was still busy with an INVITE, §14.2): as long as it says.
 */
export function reinviteRetryDelayMs(status: number, retryAfter: string | undefined, ownsCallId: boolean, random: () => number = Math.random): number | null {
  if (status === 491) {
    const [low, high] = ownsCallId ? [2100, 4000] : [0, 2000];
    return low + Math.floor((random() * (high - low)) / 10) * 10;
  }
  if (status === 500 && retryAfter !== undefined) {
    const seconds = /^\s*(\d+)/.exec(retryAfter);
    if (seconds) return Number(seconds[1]) * 1000;
  }
  return null;
}
