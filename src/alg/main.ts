// The userspace ALG inside a nat-router: SIP leaving by the WAN is queued to it after SNAT, rewritten as
// its rules say, and handed back. Every packet's fate is a `verdict` event (alg-service.ts), and a line
// on stdout for people reading the container log.
import { ServiceServer } from "../protocol/server.js";
import { listenUnix } from "../protocol/unix-socket.js";
import { AlgRules } from "./alg-rules.js";
import { ALG_SOCKET, AlgService, formatVerdict, type AlgVerdict } from "./alg-service.js";
import { parseUdp, withUdpPayload } from "./ipv4-udp.js";
import { NF_ACCEPT, NF_DROP, runQueue } from "./nfqueue.js";
import { AlgState, rewriteInbound, rewriteOutbound } from "./rewriter.js";
import { describeSip } from "./sip-text.js";

interface AlgProcessConfig {
  readonly queue: number;
  readonly profile: string;
  readonly rules: unknown;
  /** The router's WAN address: packets from it are leaving (after SNAT), others are coming back. */
  readonly wanIp: string;
}

const config = JSON.parse(process.argv[2] ?? "{}") as AlgProcessConfig;
const rules = AlgRules.parse(config.rules);
const state = new AlgState();
const server = new ServiceServer(AlgService, { subscribe: (p, ctx) => ctx.replay(p.sinceSeq) }, { historyLimit: 10_000 });

function tell(v: AlgVerdict): void {
  process.stdout.write(`alg: ${formatVerdict(v)}\n`);
  server.emit("verdict", v);
}

runQueue(
  config.queue,
  (packet) => {
    const d = parseUdp(packet);
    if (!d) {
      tell({
        action: "pass",
        direction: "inbound",
        flow: "?",
        message: null,
        reinvite: false,
        summary: "untouched (not a whole IPv4/UDP packet)",
        changes: [],
      });
      return { verdict: NF_ACCEPT };
    }
    const outbound = d.src === config.wanIp;
    const v = outbound
      ? rewriteOutbound(d.payload, { publicIp: d.src, publicPort: d.sport }, rules, state)
      : rewriteInbound(d.payload, { privateIp: d.dst, privatePort: d.dport }, state);
    const action = v.verdict === "drop" ? "drop" : v.changes.length ? "rewrite" : "pass";
    tell({
      action,
      direction: outbound ? "outbound" : "inbound",
      flow: `${d.src}:${d.sport}→${d.dst}:${d.dport}`,
      ...describeSip(d.payload),
      summary: v.summary,
      changes: [...v.changes],
    });
    if (v.verdict === "drop") return { verdict: NF_DROP };
    return v.changes.length ? { verdict: NF_ACCEPT, packet: withUdpPayload(packet, d, v.payload) } : { verdict: NF_ACCEPT };
  },
  (e) =>
    tell({ action: "error", direction: "outbound", flow: "?", message: null, reinvite: false, summary: `${e.message}; packet passed untouched`, changes: [] }),
);
// The socket appears once the queue is bound: a client that reaches it knows the ALG is in place.
await listenUnix(ALG_SOCKET, server);
process.stdout.write(`alg: bound queue ${config.queue} profile ${config.profile}\n`);
server.emit("bound", { queue: config.queue, profile: config.profile, rules: { ...rules } });
