// A developer's tool for the inspector's unit-test fixtures: a capture dissected by the analyzer exactly as
// `callpath inspect` dissects it, trimmed to stay small, one frame per line, into
// src/inspect/fixtures/<name>.tshark.json. Trimmed: of each RTP stream, relayed-media flow, ICE check flow and whole tunnel-packet flow, the first N
// packets on the interface that saw it first and the first two and the last one elsewhere; fields the
// inspector does not read (Ethernet addresses) and those at their default (no fragment) left out;
// optionally only frames to or from some hosts.
// npx tsx scripts/inspect-fixture.ts <capture> <name> [--hosts a,b,...] [--keep N]
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { stderrLogger } from "../src/common/log.js";
import { checkCaptureFile } from "../src/inspect/capture-file.js";
import { AnalyzerDissector } from "../src/inspect/dissector.js";
import { PROJECT_ROOT } from "../src/lab/images.js";

const { positionals, values } = parseArgs({ allowPositionals: true, options: { hosts: { type: "string" }, keep: { type: "string" } } });
const [capture, name] = positionals;
if (!capture || !name || !/^[a-z0-9-]+$/.test(name)) {
  process.stderr.write("usage: tsx scripts/inspect-fixture.ts <capture> <name> [--hosts a,b] [--keep N]\n");
  process.exit(2);
}
const keep = Number(values.keep ?? 26);
const hosts = values.hosts ? new Set(values.hosts.split(",")) : null;
const dissector = await AnalyzerDissector.open(stderrLogger());
let json: string;
try {
  json = (await dissector.dissect(await checkCaptureFile(capture))).json;
} finally {
  await dissector.close();
}
type Frame = { _source: { layers: Record<string, string[]> } };
const frames = JSON.parse(json) as Frame[];
const bulk = new Map<string, Frame[]>();
const kept: Frame[] = [];
for (const f of frames) {
  const l = f._source.layers;
  const one = (k: string): string => l[k]?.[0] ?? "";
  if (hosts && !hosts.has(one("ip.src")) && !hosts.has(one("ip.dst"))) continue;
  // RTP, ChannelData, Send/Data indications, and ICE connectivity checks (a Binding request with USERNAME).
  const media =
    (l["rtp.ssrc"] && !l["sip.Call-ID"] && !l["stun.type"]) ||
    l["stun.channel"] ||
    /^0x001[67]$/.test(one("stun.type")) ||
    (one("stun.type") === "0x0001" && l["stun.att.username"]) ||
    (/:(openvpn|wg)$/.test(one("frame.protocols")) && one("ip.flags.mf") !== "1" && (one("ip.frag_offset") || "0") === "0");
  if (!media) {
    kept.push(f);
    continue;
  }
  const flow = l["rtp.ssrc"] ? one("rtp.ssrc") : [one("ip.src"), one("ip.dst"), one("udp.srcport") || one("tcp.srcport")].join("|");
  const key = `${flow}\u0000${one("frame.interface_name")}`;
  bulk.set(key, [...(bulk.get(key) ?? []), f]);
}
const firstSeen = new Set<string>();
for (const [key, list] of bulk) {
  const flow = key.split("\u0000")[0]!;
  const n = firstSeen.has(flow) ? 2 : keep;
  firstSeen.add(flow);
  kept.push(...(list.length > n + 2 ? [...list.slice(0, n), ...list.slice(-(n === 2 ? 1 : 2))] : list));
}
for (const f of kept) {
  const l = f._source.layers;
  delete l["eth.src"];
  delete l["eth.dst"];
  if (l["ip.flags.mf"]?.[0] === "0") delete l["ip.flags.mf"];
  if (l["ip.frag_offset"]?.[0] === "0") delete l["ip.frag_offset"];
}
const no = (f: Frame): number => Number(f._source.layers["frame.number"]?.[0] ?? 0);
kept.sort((a, b) => no(a) - no(b));
const out = join(PROJECT_ROOT, "src/inspect/fixtures", `${name}.tshark.json`);
await writeFile(out, `[\n${kept.map((f) => JSON.stringify({ _source: f._source })).join(",\n")}\n]\n`);
process.stdout.write(`${out}: ${kept.length} of ${frames.length} frames\n`);
