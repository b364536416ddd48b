// Makes a timeline fixture from a real run: tshark's dissection of a scenario's pcapng (as `dissect`
// asks for it) cut down to the frames and fields the timeline reads, beside the run's <base>-timeline.json.
// npx tsx scripts/timeline-fixture.ts <tshark.json> <base>-timeline.json <out-name> [interface ...]
// Without interfaces, every interface's RTP is kept; every other frame is kept on every interface (ICE
// checks are read where the pair's addresses show, often at a router's outside), without its SIP fields.
import { readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const KEEP = [
  "frame.number",
  "frame.time_epoch",
  "frame.interface_name",
  "eth.src",
  "eth.dst",
  "ip.src",
  "ip.dst",
  "ip.proto",
  "udp.srcport",
  "udp.dstport",
  "tcp.srcport",
  "tcp.dstport",
  "stun.type",
  "rtp.ssrc",
  "rtp.seq",
  "rtp.p_type",
  "rtp.timestamp",
];

const [tshark, timeline, out, ...ifaces] = process.argv.slice(2);
if (!tshark || !timeline || !out) {
  process.stderr.write("usage: tsx scripts/timeline-fixture.ts <tshark.json> <base>-timeline.json <out-name> [interface ...]\n");
  process.exit(2);
}
type Frame = { _source: { layers: Record<string, string[]> } };
const frames = (JSON.parse(readFileSync(tshark, "utf8")) as Frame[]).flatMap((f) => {
  const l = f._source.layers;
  // The rest (SIP, STUN, ICMP) is small, and tells when each interface's capture ended.
  const rtp = l["rtp.ssrc"] && !l["stun.type"] && !l["sip.Call-ID"];
  if (rtp && ifaces.length && !ifaces.includes(l["frame.interface_name"]?.[0] ?? "")) return [];
  return [{ _source: { layers: Object.fromEntries(KEEP.filter((k) => l[k]).map((k) => [k, l[k]!])) } }];
});
const dir = new URL("../src/capture/fixtures/", import.meta.url);
writeFileSync(new URL(`timeline-${out}.tshark.json.gz`, dir), gzipSync(`[\n${frames.map((f) => JSON.stringify(f)).join(",\n")}\n]\n`, { level: 9 }));
writeFileSync(new URL(`timeline-${out}.timeline.json`, dir), `${JSON.stringify(JSON.parse(readFileSync(timeline, "utf8")))}\n`);
process.stdout.write(`${frames.length} frames\n`);
