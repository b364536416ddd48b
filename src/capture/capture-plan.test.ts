import assert from "node:assert/strict";
import { test } from "node:test";
import { captureScript, droppedByKernel, interfaceLabel, listeningOn, parseAnnouncements, ringBase } from "./capture-plan.js";

const ifaces = [
  { node: "nat1", network: "lan1", address: "10.123.1.1" },
  { node: "nat1", network: "internet", address: "198.51.100.34" },
];

test("one tcpdump per interface, found by address, ring-buffered, each tagged with its index", () => {
  const s = captureScript(ifaces, { files: 8, fileMb: 4 });
  assert.equal(s.match(/^tcpdump /gm)?.length, 2);
  assert.match(s, /ip -o -4 addr show to 10\.123\.1\.1\/32/);
  assert.match(s, /-C 4 -W 8 -w \/var\/lib\/callpath\/capture\/nat1\.internet\.pcap/);
  assert.match(s, /sed -u "s\/\^\/1: \/"/);
  assert.match(s, /^echo "iface nat1:lan1 \$IF0 /m);
  assert.match(s, /\nwait$/);
  assert.equal(interfaceLabel(ifaces[0]!), "nat1:lan1");
  assert.equal(ringBase(ifaces[1]!), "nat1.internet.pcap");
});

test("a ring outside its bounds is refused, not clamped", () => {
  assert.throws(() => captureScript(ifaces, { files: 0, fileMb: 4 }), /file count 0/);
  assert.throws(() => captureScript(ifaces, { files: 8, fileMb: 1.5 }), /file size 1.5/);
});

test("announcements, readiness and drops are read from tagged lines, however the tcpdumps interleave", () => {
  const out = "iface nat1:lan1 eth1 02:42:0a:7b:01:01\niface nat1:internet eth0 02:42:c6:33:64:22\n";
  assert.deepEqual(parseAnnouncements(out), [
    { label: "nat1:lan1", kernelName: "eth1", mac: "02:42:0a:7b:01:01" },
    { label: "nat1:internet", kernelName: "eth0", mac: "02:42:c6:33:64:22" },
  ]);
  const err = "1: tcpdump: listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n0: listening on eth1, link-type EN10MB (Ethernet)\n";
  assert.deepEqual(listeningOn(err), ["eth0", "eth1"]);
  // An untagged or cut line (two processes on one stream) is not taken as readiness.
  assert.deepEqual(listeningOn("tcpdump: listening on eth1tcpdump: listening on eth0, link-type EN10MB\n"), []);
  assert.equal(droppedByKernel("0: 120 packets captured\n0: 3 packets dropped by kernel\n1: 1 packet dropped by kernel\n"), 4);
});
