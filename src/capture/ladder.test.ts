import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { parseDissection, type Packet } from "./dissect.js";
import { buildLadder, type LadderArrow, type LadderInterface } from "./ladder.js";
import { ladderSvg } from "./ladder-svg.js";

function load(name: string): { packets: Packet[]; columns: LadderInterface[] } {
  const packets = parseDissection(readFileSync(new URL(`./fixtures/${name}.tshark.json`, import.meta.url), "utf8"));
  const columns = JSON.parse(readFileSync(new URL(`./fixtures/${name}.interfaces.json`, import.meta.url), "utf8")) as LadderInterface[];
  return { packets, columns };
}

const nat1 = [{ node: "nat1", allExitsCaptured: true }];
const arrows = (rows: readonly unknown[]): LadderArrow[] => rows.filter((r): r is LadderArrow => (r as LadderArrow).kind === "arrow");

test("the kernel helper's rewrites are shown at nat1, on the messages that left it", () => {
  const { packets, columns } = load("alg-netfilter");
  const ladder = buildLadder(packets, columns, nat1);
  const invite = arrows(ladder.rows).find((r) => r.label.startsWith("INVITE") && columns[r.from]!.label === "nat1:internet")!;
  assert.equal(invite.crossed, "nat1");
  assert.deepEqual(
    invite.changes.map((c) => c.field),
    ["Via", "Contact", "SDP o=", "SDP c=", "Content-Length"],
  );
  const c = invite.changes.find((x) => x.field === "SDP c=")!;
  assert.match(c.before, /10\.123\./);
  assert.match(c.after, /198\.51\.100\./);
  // The same INVITE from alice to nat1 changed nothing (alice is no box).
  const first = arrows(ladder.rows).find((r) => r.label.startsWith("INVITE") && columns[r.from]!.label === "alice:lan1")!;
  assert.deepEqual(first.changes, []);
  assert.equal(columns[first.to]!.label, "nat1:lan1");
  assert.ok(first.arrived);
});

test("a profile that rewrites headers but not SDP shows Via and Contact changed, the SDP not", () => {
  const { packets, columns } = load("alg-headers-not-sdp");
  const invite = arrows(buildLadder(packets, columns, nat1).rows).find((r) => r.label.startsWith("INVITE") && r.crossed === "nat1")!;
  assert.deepEqual(
    invite.changes.map((c) => c.field),
    ["Via", "Contact"],
  );
});

test("with no ALG, nothing that crosses nat1 has a changed field; RTP shows its first and last packet per link", () => {
  const { packets, columns } = load("baseline");
  const ladder = buildLadder(packets, columns, nat1);
  const crossed = arrows(ladder.rows).filter((r) => r.crossed === "nat1");
  assert.ok(crossed.length >= 8, `SIP crossed nat1 ${crossed.length} times`);
  assert.deepEqual(
    crossed.flatMap((r) => r.changes),
    [],
  );
  const rtp = arrows(ladder.rows).filter((r) => r.protocol === "rtp");
  assert.ok(rtp.some((r) => / first \(seq \d+\)$/.test(r.label)) && rtp.some((r) => / last \(seq \d+\)$/.test(r.label)));
  assert.equal(ladder.rows.filter((r) => r.kind === "vanished").length, 0);
});

test("a message that entered a box and never left is marked there; behind a tunnel it is not judged", () => {
  const { packets, columns } = load("baseline");
  const lan = columns.find((c) => c.label === "nat1:lan1")!;
  const wan = columns.find((c) => c.label === "nat1:internet")!;
  // Take away everything nat1 sent on its WAN: as a firewall that dropped it would.
  const dropped = packets.filter((p) => !(p.iface === wan.label && p.ethSrc === wan.mac));
  const ladder = buildLadder(dropped, columns, nat1);
  const vanished = ladder.rows.filter((r) => r.kind === "vanished");
  assert.ok(vanished.some((v) => v.label.startsWith("INVITE") && v.at === columns.indexOf(lan)));
  assert.ok(vanished.every((v) => v.kind === "vanished" && v.box === "nat1"));
  assert.equal(buildLadder(dropped, columns, [{ node: "nat1", allExitsCaptured: false }]).rows.filter((r) => r.kind === "vanished").length, 0);
});

test("the SVG has one arrow group per arrow and escapes what SIP puts in angle brackets", () => {
  const { packets, columns } = load("alg-netfilter");
  const ladder = buildLadder(packets, columns, nat1);
  const svg = ladderSvg(ladder, "A3.1 <netfilter>");
  assert.equal(svg.match(/<g class="arrow"/g)?.length, arrows(ladder.rows).length);
  assert.equal(svg.match(/<g class="column"/g)?.length, columns.length);
  assert.ok(svg.includes("&lt;sip:alice@10.123.1.2:5060"), "Contact values are escaped");
  assert.ok(svg.includes("A3.1 &lt;netfilter&gt;"));
  assert.ok(!/<sip:/.test(svg));
  assert.match(svg, /data-changed="Via,Contact,SDP o=,SDP c=,Content-Length"/);
});
