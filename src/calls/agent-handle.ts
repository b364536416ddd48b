import { LabError } from "../common/errors.js";
import type { ExecProcess } from "../kinds/kind.js";
import type { IceReport, TurnTransport } from "./ice-report.js";
import type { CallOutcome, RegistrationOutcome, RtpSnapshot, SipTraceEntry } from "./outcome.js";

/**
 * The test process's handle on one user agent: JSON-lines RPC over the `docker exec` stdio of the agent's
 * process (see src/agent/main.ts).
 */
export class AgentHandle {
  private nextId = 1;
  private buffer = "";
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly stderrTail: string[] = [];
  private closed: Error | undefined;

  private constructor(
    readonly name: string,
    private readonly proc: ExecProcess,
  ) {
    proc.onStdout((chunk) => this.onStdout(chunk));
    proc.onStderr((chunk) => {
      this.stderrTail.push(chunk);
      if (this.stderrTail.length > 200) this.stderrTail.shift();
    });
    void proc.exited.then((code) => this.failAll(new LabError(`agent ${name} exited (code ${code})${this.stderrHint()}`)));
  }

  /** Starts the agent and waits for its "ready" line. */
  static async start(name: string, proc: ExecProcess, timeoutMs = 15_000): Promise<AgentHandle> {
    const handle = new AgentHandle(name, proc);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new LabError(`agent ${name} did not report ready within ${timeoutMs} ms${handle.stderrHint()}`)), timeoutMs);
      handle.onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      handle.onFatal = (e) => {
        clearTimeout(timer);
        reject(e);
      };
    });
    return handle;
  }

  private onReady: (() => void) | undefined;
  private onFatal: ((e: Error) => void) | undefined;

  register(expires = 300): Promise<RegistrationOutcome> {
    return this.request("register", { expires });
  }

  call(to: string, timeoutMs = 40_000): Promise<CallOutcome> {
    return this.request("call", { to, timeoutMs });
  }

  answer(callId?: string): Promise<void> {
    return this.request("answer", { callId });
  }

  hangup(callId?: string): Promise<void> {
    return this.request("hangup", { callId });
  }

  calls(): Promise<CallOutcome[]> {
    return this.request("calls");
  }

  media(): Promise<Array<{ callId: string; rtp: RtpSnapshot }>> {
    return this.request("media");
  }

  /** ICE evidence per call (WebRTC agents; empty for plain-RTP ones). */
  ice(callId?: string): Promise<Array<{ callId: string; ice: IceReport }>> {
    return this.request("ice", { callId });
  }

  /** Changes the ICE policy for the calls that follow, as an app's settings would. */
  setIcePolicy(policy: { iceTransportPolicy?: "all" | "relay"; turnTransports?: readonly TurnTransport[] }): Promise<unknown> {
    return this.request("setIcePolicy", policy);
  }

  /** Sends a probe INVITE to a SIP mirror ("ip:port"): what was sent, and the mirror's answer carrying what arrived. */
  probe(mirror: string): Promise<{ sent: string; response: string | null }> {
    return this.request("probe", { mirror });
  }

  reinvite(callId?: string): Promise<void> {
    return this.request("reinvite", { callId });
  }

  trace(callId?: string): Promise<SipTraceEntry[]> {
    return this.request("trace", { callId });
  }

  /** Asks the agent to stop; resolves once it has exited or after a short grace period. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    await Promise.race([this.request("shutdown").catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
    this.proc.close();
  }

  stderr(): string {
    return this.stderrTail.join("");
  }

  private request<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    if (this.closed) return Promise.reject(this.closed);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.proc.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  }

  private onStdout(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf("\n")) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (!line) continue;
      let msg: { id?: number; result?: unknown; error?: string; event?: string };
      try {
        msg = JSON.parse(line);
      } catch {
        this.stderrTail.push(`(stdout) ${line}\n`);
        continue;
      }
      if (msg.event === "ready") this.onReady?.();
      else if (msg.event === "fatal") this.onFatal?.(new LabError(`agent ${this.name} failed to start: ${msg.error}`));
      else if (msg.id !== undefined) {
        const w = this.waiting.get(msg.id);
        this.waiting.delete(msg.id);
        if (msg.error !== undefined) w?.reject(new LabError(`agent ${this.name}: ${msg.error}`));
        else w?.resolve(msg.result);
      }
    }
  }

  private failAll(error: Error): void {
    this.closed = error;
    this.onFatal?.(error);
    for (const w of this.waiting.values()) w.reject(error);
    this.waiting.clear();
  }

  private stderrHint(): string {
    const tail = this.stderr().trim().split("\n").slice(-5).join("\n");
    return tail ? `; stderr:\n${tail}` : "";
  }
}
