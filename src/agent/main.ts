// The user agent's process inside its container. The test process drives it over `docker exec` stdio with
// JSON lines ({id, method, params} in; {id, result} or {id, error} out), so the emulated networks carry
// nothing but the agent's own SIP and RTP.
import { createInterface } from "node:readline";
import { SipAgent, type AgentConfig } from "./sip-agent.js";
import type { IcePolicy } from "./webrtc/webrtc-plane.js";

type Handler = (params: Record<string, unknown>) => Promise<unknown> | unknown;

function write(obj: unknown): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? "{}") as AgentConfig;
  const agent = new SipAgent(config);
  await agent.prepareMedia();
  await agent.start();

  const handlers: Record<string, Handler> = {
    register: (p) => agent.register(Number(p.expires ?? 300)),
    call: async (p) => {
      await agent.prepareMedia();
      return agent.call(String(p.to), Number(p.timeoutMs ?? 40_000));
    },
    answer: (p) => agent.answer(p.callId as string | undefined),
    hangup: (p) => agent.hangup(p.callId as string | undefined),
    calls: () => agent.outcomes(),
    media: () => agent.media(),
    ice: (p) => agent.ice(p.callId as string | undefined),
    setIcePolicy: async (p) => {
      const result = agent.setIcePolicy(p as IcePolicy);
      // Incoming calls need a prepared plane too (a TLS bridge, say) before sip.js asks for a handler.
      await agent.prepareMedia();
      return result;
    },
    probe: (p) => agent.probe(String(p.mirror)),
    reinvite: (p) => agent.reinvite(p.callId as string | undefined),
    trace: (p) => agent.sipTrace(p.callId as string | undefined),
    state: () => ({ registration: agent.registrationState }),
    shutdown: async () => {
      await agent.stop();
      setImmediate(() => process.exit(0));
      return true;
    },
  };

  const rl = createInterface({ input: process.stdin });
  rl.on("line", (line) => {
    if (!line.trim()) return;
    let req: { id: number; method: string; params?: Record<string, unknown> };
    try {
      req = JSON.parse(line);
    } catch {
      write({ error: `unparsable request: ${line.slice(0, 200)}` });
      return;
    }
    const handler = handlers[req.method];
    if (!handler) {
      write({ id: req.id, error: `unknown method "${req.method}"; known: ${Object.keys(handlers).join(", ")}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(req.params ?? {}))
      .then(
        (result) => write({ id: req.id, result: result ?? null }),
        (e: unknown) => write({ id: req.id, error: e instanceof Error ? e.message : String(e) }),
      );
  });
  // The test process went away (finished, crashed or interrupted): leave with it.
  rl.on("close", () => void agent.stop().finally(() => process.exit(0)));
  const sig = config.signalling;
  write({ event: "ready", sip: sig.transport === "udp" ? `udp ${sig.address}:${sig.port}` : "url" in sig ? sig.url : `${sig.transport} to ${sig.proxy}` });
}

main().catch((e: unknown) => {
  write({ event: "fatal", error: e instanceof Error ? e.stack : String(e) });
  process.exit(1);
});
