import type { Sample } from "../dpi/payloads.js";
import type { StartedLab } from "../lab/started-lab.js";
import { runNodeScript } from "./node-script.js";

/**
 * Sends `count` copies of a sample from one node to another's address (UDP datagrams, or one TCP
 * connection carrying them) and returns how many arrived. Runs with the Node in the agent image on both
 * ends, so nothing but lab traffic is sent.
 */
export async function crossings(lab: StartedLab, from: string, to: string, sample: Sample, count = 1, gapMs = 20): Promise<number> {
  const ip = lab.addressOf(to);
  const hex = Array.from({ length: count }, () => sample.bytes().toString("hex"));
  const size = hex[0]!.length / 2;
  const listenMs = 1500 + count * gapMs;
  const listener =
    sample.proto === "udp"
      ? `let n=0;const s=require("dgram").createSocket("udp4");s.on("message",()=>n++);s.bind(${sample.port},"${ip}");setTimeout(()=>{console.log(n);process.exit(0)},${listenMs})`
      : `let b=0;require("net").createServer(c=>{c.on("data",d=>b+=d.length);c.on("error",()=>{})}).listen(${sample.port},"${ip}");setTimeout(()=>{console.log(Math.floor(b/${size}));process.exit(0)},${listenMs})`;
  const heard = runNodeScript(lab, to, listener);
  await new Promise((r) => setTimeout(r, 400));
  const packets = JSON.stringify(hex);
  const sender =
    sample.proto === "udp"
      ? `const s=require("dgram").createSocket("udp4");const p=${packets};let i=0;const t=setInterval(()=>{if(i>=p.length){clearInterval(t);setTimeout(()=>process.exit(0),50);return}s.send(Buffer.from(p[i++],"hex"),${sample.port},"${ip}")},${gapMs})`
      : `const c=require("net").connect(${sample.port},"${ip}",()=>{c.setNoDelay(true);const p=${packets};let i=0;const t=setInterval(()=>{if(i>=p.length){clearInterval(t);setTimeout(()=>process.exit(0),300);return}c.write(Buffer.from(p[i++],"hex"))},${gapMs})});c.on("error",()=>process.exit(0));setTimeout(()=>process.exit(0),${listenMs})`;
  await runNodeScript(lab, from, sender);
  return Number((await heard).trim());
}
