// The user agent's process inside its container. The test process drives it over `docker exec` stdio with
// JSON lines ({id, method, params} in; {id, result} or {id, error} out), so the emulated networks carry
// nothing but the agent's own SIP and RTP.
import { createInterface } from "node:readline";
import { SipAgent, type AgentConfig } from "./sip-agent.js";

type Handler = (params: Record<string, unknown>) => Promise<unknown> | unknown;

function write(obj: unknown): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? "{}") as AgentConfig;
  const agent = new SipAgent(config);
  await agent.prepareRtp();
  await agent.start();

  const handlers: Record<string, Handler> = {
    register: (p) => agent.register(Number(p.expires ?? 300)),
    call: async (p) => {
      await agent.prepareRtp();
      return agent.call(String(p.to), Number(p.timeoutMs ?? 40_000));
    },
    answer: (p) => agent.answer(p.callId as string | undefined),
    hangup: (p) => agent.hangup(p.callId as string | undefined),
    calls: () => agent.outcomes(),
    media: () => agent.media(),
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
  write({ event: "ready", sip: `${config.address}:${config.sipPort}` });
}

main().catch((e: unknown) => {
  write({ event: "fatal", error: e instanceof Error ? e.stack : String(e) });
  process.exit(1);
});
