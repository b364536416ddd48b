import { z } from "zod";
import { TURN_TRANSPORTS, type IceReport } from "../calls/ice-report.js";
import type { CallOutcome, RegistrationOutcome } from "../calls/outcome.js";
import { RemoteErrorShape } from "../protocol/envelope.js";
import { subscribeMethod } from "../protocol/server.js";
import { defineService } from "../protocol/service.js";
import { HOLD_STYLES } from "./hold.js";
import { KEEPALIVE_KINDS, type KeepaliveStats } from "./keepalive.js";
import type { RtpSnapshot } from "./rtp-session.js";
import type { SipTraceEntry } from "./sip-trace.js";

// The user agent's control surface: what the test process may ask the agent in a node (src/agent/main.ts)
// and what it answers. Both ends import this one definition.

const FailedStage = z.enum(["no-response", "rejected", "timeout", "transport", "sdp", "ice", "no-media"]);

export const RegistrationOutcomeSchema = z.object({
  registered: z.boolean(),
  status: z.number().int().nullable(),
  reason: z.string().nullable(),
  failedStage: FailedStage.nullable(),
  durationMs: z.number(),
}) satisfies z.ZodType<RegistrationOutcome>;

export const CallOutcomeSchema = z.object({
  callId: z.string(),
  direction: z.enum(["outgoing", "incoming"]),
  local: z.string(),
  remote: z.string(),
  established: z.boolean(),
  setupMs: z.number().nullable(),
  finalStatus: z.number().int().nullable(),
  reason: z.string().nullable(),
  failedStage: FailedStage.nullable(),
  endedBy: z.enum(["local", "remote"]).nullable(),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
}) satisfies z.ZodType<CallOutcome>;

export const SipTraceEntrySchema = z.object({
  at: z.number(),
  direction: z.enum(["sent", "received"]),
  peer: z.string(),
  callId: z.string(),
  firstLine: z.string(),
  cseq: z.string(),
  raw: z.string(),
  retransmission: z.boolean().optional(),
}) satisfies z.ZodType<SipTraceEntry>;

// The media and ICE reports are large and owned by the planes that build them: checked on the fields the
// steps read, and typed as the planes' own interfaces.
const RtpShape = z.looseObject({ local: z.string(), remote: z.string().nullable(), sent: z.number(), received: z.looseObject({ packets: z.number() }) });
const IceShape = z.looseObject({ iceState: z.string(), connectionState: z.string(), localCandidates: z.array(z.unknown()), timeline: z.array(z.unknown()) });
const RtpSnapshotSchema = z.custom<RtpSnapshot>((v) => RtpShape.safeParse(v).success, "not an RTP snapshot (local, remote, sent, received.packets)");
const IceReportSchema = z.custom<IceReport>((v) => IceShape.safeParse(v).success, "not an ICE report (iceState, connectionState, localCandidates, timeline)");

export const KeepaliveStatsSchema = z.object({
  kind: z.enum(KEEPALIVE_KINDS),
  sent: z.number().int(),
  answered: z.number().int(),
  publicAddress: z.string().nullable(),
  addressChanges: z.number().int(),
}) satisfies z.ZodType<KeepaliveStats>;

const CallRef = z.object({ callId: z.string().optional() });
const IcePolicySchema = z.object({ iceTransportPolicy: z.enum(["all", "relay"]).optional(), turnTransports: z.array(z.enum(TURN_TRANSPORTS)).optional() });

export const AgentService = defineService({
  name: "agent",
  methods: {
    register: { params: z.object({ expires: z.number().int().min(1).default(300) }), result: RegistrationOutcomeSchema },
    call: { params: z.object({ to: z.string(), timeoutMs: z.number().int().min(1).default(40_000) }), result: CallOutcomeSchema },
    answer: { params: CallRef, result: z.null() },
    hangup: { params: CallRef, result: z.null() },
    calls: { params: z.object({}), result: z.array(CallOutcomeSchema) },
    media: { params: z.object({}), result: z.array(z.object({ callId: z.string(), rtp: RtpSnapshotSchema })) },
    ice: { params: CallRef, result: z.array(z.object({ callId: z.string(), ice: IceReportSchema })) },
    /** Answers with the policy now in force. */
    setIcePolicy: {
      params: IcePolicySchema,
      result: z.object({ iceTransportPolicy: z.enum(["all", "relay"]), turnTransports: z.array(z.enum(TURN_TRANSPORTS)) }),
    },
    /** A probe INVITE to a SIP mirror ("ip:port"): what was sent, and the mirror's answer (null: none came). */
    probe: { params: z.object({ mirror: z.string() }), result: z.object({ sent: z.string(), response: z.string().nullable() }) },
    reinvite: { params: CallRef, result: z.null() },
    /** Puts the call on hold this way (a re-INVITE), or with `style` null resumes it. */
    hold: { params: CallRef.extend({ style: z.enum(HOLD_STYLES).nullable() }), result: z.null() },
    trace: { params: CallRef, result: z.array(SipTraceEntrySchema) },
    state: { params: z.object({}), result: z.object({ registration: z.string() }) },
    /** What the phone's keep-alives learnt (null: it sends none). */
    keepalives: { params: z.object({}), result: KeepaliveStatsSchema.nullable() },
    shutdown: { params: z.object({}), result: z.null() },
    /** Starts the SIP stack (once; again answers as the first did): sent when the agent's servers are ready. */
    start: { params: z.object({}), result: z.object({ sip: z.string() }) },
    /** A daemon's kept events (loaded, ready, fatal) from `sinceSeq` on: how a later client learns it is ready. */
    subscribe: subscribeMethod,
  },
  events: {
    /** The process is up and its media prepared; it starts SIP when asked (`start`). */
    loaded: z.object({}),
    /** The agent's SIP stack is up: what it listens on or connects to. */
    ready: z.object({ sip: z.string() }),
    /** Start-up failed; the process exits after this. */
    fatal: RemoteErrorShape,
  },
});
