// The user agent's process inside its container, driven with the agent service (agent-service.ts), so the
// emulated networks carry nothing but the agent's own SIP and RTP. Two ways to run it:
//   agent.mjs <config JSON>                          over its own `docker exec` stdio: a scenario's agent,
//                                                    which ends when the test process goes;
//   agent.mjs --daemon <socket> <config JSON file>   on a unix socket, for any number of clients: a kept lab's
//                                                    agent (`callpath up`), which `callpath call` reaches later.
import { readFileSync } from "node:fs";
import { errorShape } from "../protocol/envelope.js";
import { serveStdio, ServiceServer } from "../protocol/server.js";
import { listenUnix } from "../protocol/unix-socket.js";
import { AgentService } from "./agent-service.js";
import { SipAgent, type AgentConfig } from "./sip-agent.js";
import type { IcePolicy } from "./webrtc/webrtc-plane.js";

// Two steps, so the lab can overlap them with its staged start: the process loads and prepares its media
// while the agent's servers come up (`loaded`), and starts SIP once they are ready (`start`, then `ready`).
async function main(server: ServiceServer<typeof AgentService>, agent: SipAgent): Promise<void> {
  await agent.prepareMedia();
  server.emit("loaded", {});
}

let starting: Promise<{ sip: string }> | undefined;
function startSip(server: ServiceServer<typeof AgentService>, agent: SipAgent, config: AgentConfig): Promise<{ sip: string }> {
  starting ??= (async () => {
    await agent.prepareMedia();
    await agent.start();
    const sig = config.signalling;
    const sip = sig.transport === "udp" ? `udp ${sig.address}:${sig.port}` : "url" in sig ? sig.url : `${sig.transport} to ${sig.proxy}`;
    server.emit("ready", { sip });
    return { sip };
  })();
  return starting;
}

const daemon = process.argv[2] === "--daemon" ? { socket: process.argv[3], configFile: process.argv[4] } : undefined;
if (daemon && (!daemon.socket || !daemon.configFile)) {
  process.stderr.write("usage: agent.mjs --daemon <socket> <config file>\n");
  process.exit(2);
}
const config = JSON.parse(daemon ? readFileSync(daemon.configFile!, "utf8") : (process.argv[2] ?? "{}")) as AgentConfig;
const agent = new SipAgent(config);
const server: ServiceServer<typeof AgentService> = new ServiceServer(
  AgentService,
  {
    start: () => startSip(server, agent, config),
    register: (p) => agent.register(p.expires),
    call: async (p) => {
      await agent.prepareMedia();
      return agent.call(p.to, p.timeoutMs);
    },
    answer: async (p) => (await agent.answer(p.callId), null),
    hangup: async (p) => (await agent.hangup(p.callId), null),
    calls: () => agent.outcomes(),
    media: () => agent.media(),
    ice: (p) => agent.ice(p.callId),
    setIcePolicy: async (p) => {
      const result = agent.setIcePolicy(p as IcePolicy) as Required<IcePolicy>;
      // Incoming calls need a prepared plane too (a TLS bridge, say) before sip.js asks for a handler.
      await agent.prepareMedia();
      return { iceTransportPolicy: result.iceTransportPolicy, turnTransports: [...result.turnTransports] };
    },
    probe: (p) => agent.probe(p.mirror),
    reinvite: async (p) => (await agent.reinvite(p.callId), null),
    hold: async (p) => (await agent.hold(p.style, p.callId), null),
    trace: (p) => agent.sipTrace(p.callId),
    state: () => ({ registration: agent.registrationState }),
    keepalives: () => agent.keepaliveStats,
    shutdown: async () => {
      await agent.stop();
      setImmediate(() => process.exit(0));
      return null;
    },
    subscribe: (p, ctx) => ctx.replay(p.sinceSeq),
  },
  // A daemon keeps its few life-cycle events, so a client that connects later learns it is ready.
  daemon ? { historyLimit: 32 } : {},
);
if (daemon) {
  // Clients come and go (each `callpath` command is one); the agent stays until `shutdown` or its node goes.
  await listenUnix(daemon.socket!, server);
  process.stdout.write(`agent ${config.name}: serving ${daemon.socket} (pid ${process.pid})\n`);
} else {
  // The test process went away (finished, crashed or interrupted): leave with it.
  serveStdio(server, () => void agent.stop().finally(() => process.exit(0)));
}
main(server, agent).catch((e: unknown) => {
  server.emit("fatal", errorShape(e));
  // A daemon's clients may come after it is gone: its node's log says why.
  if (daemon) process.stderr.write(`agent ${config.name}: failed to start: ${(e as Error).stack ?? String(e)}\n`);
  // Exit once the event is out: a pipe write may still be pending.
  process.stdout.write("", () => process.exit(1));
});
