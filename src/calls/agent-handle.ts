import { AgentService } from "../agent/agent-service.js";
import type { HoldStyle } from "../agent/hold.js";
import type { KeepaliveStats } from "../agent/keepalive.js";
import { LabError } from "../common/errors.js";
import type { ExecProcess } from "../kinds/kind.js";
import { ServiceClient } from "../protocol/client.js";
import { execTransport } from "../protocol/lines.js";
import type { IceReport, TurnTransport } from "./ice-report.js";
import type { CallOutcome, RegistrationOutcome, RtpSnapshot, SipTraceEntry } from "./outcome.js";

/** Slack over the agent's own limits: its answer, not our timer, should say why a call failed. */
const SLACK_MS = 10_000;

/**
 * The test process's handle on one user agent: the agent service over the `docker exec` stdio of its
 * process (a scenario's agent), or over a channel to the agent daemon of a kept lab (`callpath up`).
 */
export class AgentHandle {
  private readonly stderrTail: string[] = [];

  private constructor(
    readonly name: string,
    private readonly client: ServiceClient<typeof AgentService>,
    proc?: ExecProcess,
  ) {
    proc?.onStderr((chunk) => {
      this.stderrTail.push(chunk);
      if (this.stderrTail.length > 200) this.stderrTail.shift();
    });
  }

  /** Starts the agent and waits for its `ready` event (a `fatal` one, or its exit, fails the start). */
  static async start(name: string, proc: ExecProcess, timeoutMs = 15_000): Promise<AgentHandle> {
    const handle = await AgentHandle.load(name, proc, timeoutMs);
    await handle.startSip(timeoutMs);
    return handle;
  }

  /** Starts SIP in a loaded agent and waits for `ready` (a daemon that is already running answers at once). */
  async startSip(timeoutMs = 15_000): Promise<void> {
    try {
      await this.client.request("start", {}, { timeoutMs });
    } catch (e) {
      throw new LabError(`agent ${this.name} did not start SIP: ${(e as Error).message}${this.stderrHint()}`);
    }
  }

  /** Waits until the agent's process is up and its media prepared (`loaded`), before its SIP starts. */
  static async load(name: string, proc: ExecProcess, timeoutMs = 15_000): Promise<AgentHandle> {
    const client = new ServiceClient(AgentService, execTransport(proc), { peer: `agent ${name}`, timeoutMs: 30_000 });
    const handle = new AgentHandle(name, client, proc);
    try {
      await handle.loaded(timeoutMs);
    } catch (e) {
      proc.close();
      throw new LabError(`agent ${name} did not load: ${(e as Error).message}${handle.stderrHint()}`);
    }
    return handle;
  }

  /**
   * A handle on an agent daemon over `client` (a channel to its socket): its kept events are replayed, so
   * a daemon that loaded long ago answers at once, and one just started is waited for. `logTail` gives the
   * node's log, where a daemon that failed to start said why.
   */
  static async connect(name: string, client: ServiceClient<typeof AgentService>, timeoutMs = 15_000, logTail?: () => Promise<string>): Promise<AgentHandle> {
    const handle = new AgentHandle(name, client);
    try {
      await client.request("subscribe", { sinceSeq: 0 }, { timeoutMs });
      await handle.loaded(timeoutMs);
    } catch (e) {
      client.close();
      const tail = (await logTail?.().catch(() => ""))?.trim();
      throw new LabError(`agent ${name} did not load: ${(e as Error).message}${tail ? `; its node's log ends:\n${tail}` : ""}`);
    }
    return handle;
  }

  private async loaded(timeoutMs: number): Promise<void> {
    const fatal = this.client
      .waitFor("fatal", () => true, { timeoutMs })
      .then(
        (e) => Promise.reject(new LabError(`agent ${this.name} failed to start: ${e.stack ?? e.message}`)),
        () => new Promise<never>(() => undefined),
      );
    await Promise.race([this.client.waitFor("loaded", () => true, { timeoutMs }), fatal]);
  }

  register(expires = 300): Promise<RegistrationOutcome> {
    return this.client.request("register", { expires }, { timeoutMs: 60_000 });
  }

  call(to: string, timeoutMs = 40_000): Promise<CallOutcome> {
    return this.client.request("call", { to, timeoutMs }, { timeoutMs: timeoutMs + SLACK_MS });
  }

  async answer(callId?: string): Promise<void> {
    await this.client.request("answer", { callId });
  }

  async hangup(callId?: string): Promise<void> {
    await this.client.request("hangup", { callId });
  }

  calls(): Promise<CallOutcome[]> {
    return this.client.request("calls", {});
  }

  media(): Promise<Array<{ callId: string; rtp: RtpSnapshot }>> {
    return this.client.request("media", {});
  }

  /** ICE evidence per call (WebRTC agents; empty for plain-RTP ones). */
  ice(callId?: string): Promise<Array<{ callId: string; ice: IceReport }>> {
    return this.client.request("ice", { callId });
  }

  /** Changes the ICE policy for the calls that follow, as an app's settings would; answers with the policy now in force. */
  setIcePolicy(policy: { iceTransportPolicy?: "all" | "relay"; turnTransports?: readonly TurnTransport[] }): Promise<unknown> {
    return this.client.request("setIcePolicy", { ...policy, turnTransports: policy.turnTransports && [...policy.turnTransports] });
  }

  /** Sends a probe INVITE to a SIP mirror ("ip:port"): what was sent, and the mirror's answer carrying what arrived. */
  probe(mirror: string): Promise<{ sent: string; response: string | null }> {
    return this.client.request("probe", { mirror });
  }

  async reinvite(callId?: string): Promise<void> {
    await this.client.request("reinvite", { callId }, { timeoutMs: 60_000 });
  }

  /** Holds the call this way (a re-INVITE), or with null resumes it. */
  async hold(style: HoldStyle | null, callId?: string): Promise<void> {
    await this.client.request("hold", { callId, style }, { timeoutMs: 60_000 });
  }

  trace(callId?: string): Promise<SipTraceEntry[]> {
    return this.client.request("trace", { callId });
  }

  /** Asks the agent to stop; resolves once it has answered or after a short grace period. */
  async shutdown(): Promise<void> {
    if (this.client.isClosed) return;
    await this.client.request("shutdown", {}, { timeoutMs: 2000 }).catch(() => undefined);
    this.client.close();
  }

  /** Lets go of the channel; a daemon keeps running (and keeps its calls). */
  close(): void {
    this.client.close();
  }

  /** Registration state as sip.js names it: "Registered", "Unregistered", "Initial", "Terminated". */
  async registration(): Promise<string> {
    return (await this.client.request("state", {})).registration;
  }

  /** What the phone's keep-alives learnt; null when it sends none. */
  async keepalives(): Promise<KeepaliveStats | null> {
    return this.client.request("keepalives", {});
  }

  stderr(): string {
    const problems = this.client.problems();
    return this.stderrTail.join("") + (problems.length ? `\n(protocol problems)\n${problems.join("\n")}\n` : "");
  }

  private stderrHint(): string {
    const tail = this.stderr().trim().split("\n").slice(-5).join("\n");
    return tail ? `; stderr:\n${tail}` : "";
  }
}
