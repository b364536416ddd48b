// The userspace ALG inside a nat-router: SIP leaving by the WAN is queued to it after SNAT, rewritten as
// its rules say, and handed back. Every packet's fate is one "CALLPATH-ALG" line on stdout (docker logs).
import { AlgRules } from "./alg-rules.js";
import { parseUdp, withUdpPayload } from "./ipv4-udp.js";
import { NF_ACCEPT, NF_DROP, runQueue } from "./nfqueue.js";
import { AlgState, rewriteInbound, rewriteOutbound } from "./rewriter.js";

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
const say = (line: string): void => void process.stdout.write(`CALLPATH-ALG ${line}\n`);

runQueue(
  config.queue,
  (packet) => {
    const d = parseUdp(packet);
    if (!d) {
      say("pass untouched (not a whole IPv4/UDP packet)");
      return { verdict: NF_ACCEPT };
    }
    const v =
      d.src === config.wanIp
        ? rewriteOutbound(d.payload, { publicIp: d.src, publicPort: d.sport }, rules, state)
        : rewriteInbound(d.payload, { privateIp: d.dst, privatePort: d.dport }, state);
    const flow = `${d.src}:${d.sport}→${d.dst}:${d.dport}`;
    if (v.verdict === "drop") {
      say(`drop ${flow} ${v.summary}`);
      return { verdict: NF_DROP };
    }
    say(`${v.changes.length ? "rewrite" : "pass"} ${flow} ${v.summary}`);
    return v.changes.length ? { verdict: NF_ACCEPT, packet: withUdpPayload(packet, d, v.payload) } : { verdict: NF_ACCEPT };
  },
  () => say(`bound queue ${config.queue} profile ${config.profile} rules ${JSON.stringify(rules)}`),
);
