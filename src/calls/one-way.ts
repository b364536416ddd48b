import type { StartedLab } from "../lab/started-lab.js";
import { runNodeScript } from "./node-script.js";

// One-way path measurement between two nodes. Every container reads the same CLOCK_MONOTONIC (the lab
// makes no time namespaces), so a send time carried in the packet gives a true one-way delay.

export interface OneWayResult {
  readonly sent: number;
  /** Distinct sequence numbers that arrived. */
  readonly received: number;
  readonly duplicates: number;
  /** Arrivals with a lower sequence number than one already seen. */
  readonly reordered: number;
  /** One-way delay of each arrival, ms, in arrival order. */
  readonly delaysMs: readonly number[];
}

export interface OneWayOptions {
  readonly count: number;
  readonly gapMs: number;
  readonly port?: number;
  /** UDP payload bytes (at least 12: sequence and send time). */
  readonly size?: number;
}

/** Sends `count` UDP datagrams from `from` to `to` (its first address) and reports what arrived and when. */
export async function oneWay(lab: StartedLab, from: string, to: string, o: OneWayOptions): Promise<OneWayResult> {
  const ip = lab.addressOf(to);
  const port = o.port ?? 4100;
  const size = Math.max(12, o.size ?? 172);
  // The listener stops once the last packet's time plus 2 s has passed (the slowest impairment here is far below).
  const listenMs = 1500 + o.count * o.gapMs + 2000;
  const listener =
    `const s=require("dgram").createSocket("udp4");const out=[];` +
    `s.on("message",(m)=>{const now=process.hrtime.bigint();out.push(m.readUInt32BE(0),Number(now-m.readBigUInt64BE(4))/1000|0)});` +
    // Flat [seq, µs, seq, µs, ...]; exit only once stdout has taken it all (a pipe write can be partial).
    `s.bind(${port},"${ip}");setTimeout(()=>{process.stdout.write(JSON.stringify(out),()=>process.exit(0))},${listenMs})`;
  const heard = runNodeScript(lab, to, listener);
  await new Promise((r) => setTimeout(r, 500));
  // Paced against the clock, not by setInterval's drift: packet i leaves at start + i·gap.
  const sender =
    // A buffer per packet: dgram sends asynchronously, so a reused buffer could be rewritten before it leaves.
    `const s=require("dgram").createSocket("udp4");let i=0;const t0=Date.now();` +
    `const tick=()=>{while(i<${o.count}&&Date.now()-t0>=i*${o.gapMs}){const b=Buffer.alloc(${size});b.writeUInt32BE(i++,0);b.writeBigUInt64BE(process.hrtime.bigint(),4);s.send(b,${port},"${ip}")}` +
    `if(i<${o.count})setTimeout(tick,1);else setTimeout(()=>process.exit(0),50)};tick()`;
  await runNodeScript(lab, from, sender);
  const flat = JSON.parse((await heard).trim() || "[]") as number[];
  const arrivals: Array<[number, number]> = [];
  for (let k = 0; k + 1 < flat.length; k += 2) arrivals.push([flat[k]!, flat[k + 1]! / 1000]);
  const seen = new Set<number>();
  let duplicates = 0;
  let reordered = 0;
  let highest = -1;
  for (const [seq] of arrivals) {
    if (seen.has(seq)) duplicates++;
    seen.add(seq);
    if (seq < highest) reordered++;
    highest = Math.max(highest, seq);
  }
  return { sent: o.count, received: seen.size, duplicates, reordered, delaysMs: arrivals.map(([, d]) => d) };
}
