import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "yaml";
import { validateText } from "../cli/validate.js";
import { inspect } from "./inspect.js";
import { anonymous, type FixtureName, fixture } from "./test-fixtures.js";

type Nodes = Record<string, Record<string, unknown>>;
const nodesOf = (yaml: string): Nodes => (parse(yaml) as { nodes: Nodes }).nodes;

test("every fixture's skeleton, named or anonymous, from any one vantage point, passes callpath validate's check", () => {
  for (const name of [
    "alg-headers-not-sdp",
    "alg-netfilter",
    "alg-content-length-unfixed",
    "alg-wrong-contact-port",
    "webrtc-udp-blocked",
    "vpn-drop-fragments",
    "vpn-mtu-1400",
  ] as FixtureName[]) {
    const all = fixture(name);
    const variants = [all, anonymous(all), ...[...new Set(all.map((p) => p.iface))].map((i) => anonymous(all, i))];
    for (const packets of variants) {
      const r = inspect(`${name}.pcapng`, packets);
      const v = validateText(`${name}.yaml`, r.skeleton.yaml, { occupied: () => [] });
      assert.ok(v.ok, `${name}: ${v.ok ? "" : v.lines.join("\n")}\n${r.skeleton.yaml}`);
    }
  }
});

test("the skeleton builds what the causes name, with a comment naming the frames", () => {
  const alg = inspect("alg.pcapng", fixture("alg-headers-not-sdp")).skeleton;
  assert.equal(nodesOf(alg.yaml).nat1?.alg, "headers-not-sdp");
  assert.match(alg.yaml, /alg: headers-not-sdp # cause 1 \(certain\): frames \d+, \d+/);
  assert.equal(nodesOf(alg.yaml).alice?.gateway, "nat1");
  const udp = nodesOf(inspect("webrtc.pcapng", fixture("webrtc-udp-blocked")).skeleton.yaml);
  assert.deepEqual(udp.nat1?.firewall, { udp: "block" });
  assert.deepEqual(udp.alice?.ice, { server: "turn", turn: ["udp", "tcp"] });
  assert.equal((udp.alice?.sip as { transport?: string } | undefined)?.transport, "wss");
  assert.equal(udp.turn?.kind, "turn-server");
  const frag = inspect("vpn.pcapng", fixture("vpn-drop-fragments")).skeleton;
  const n = nodesOf(frag.yaml);
  assert.equal(n.vpn?.dropFragments, true);
  assert.equal(n.alice?.gateway, "office");
  assert.equal(n.alice?.sdpPadding, 1800, "an INVITE of 2475 bytes, as callpath's with 1800 bytes of padding");
  assert.equal(n.nat1, undefined, "the VPN is the seat's way out");
});

test("an ALG and a VPN together: alice → office (VPN client) → nat1 → internet", () => {
  const packets = [...fixture("alg-headers-not-sdp"), ...fixture("vpn-drop-fragments").filter((p) => p.protocols.includes("openvpn"))];
  const r = inspect("both.pcapng", packets);
  const n = nodesOf(r.skeleton.yaml);
  assert.equal(n.office?.gateway, "nat1");
  assert.equal(n.office?.wan, "lan2");
  assert.equal(n.nat1?.lan, "lan2");
  assert.ok(validateText("both.yaml", r.skeleton.yaml, { occupied: () => [] }).ok);
});

test("fragmentation needed with no tunnel in sight: a narrow link at the router's WAN, not a VPN", () => {
  const packets = fixture("vpn-mtu-1400").filter((p) => !p.protocols.includes("openvpn"));
  const r = inspect("pppoe.pcapng", packets);
  const n = nodesOf(r.skeleton.yaml);
  assert.deepEqual(n.nat1?.linkMtu, { internet: 1400 });
  assert.match(r.skeleton.yaml, /internet: 1400 # ICMP fragmentation needed names MTU 1400: frames \d+, \d+/);
  assert.equal(n.vpn, undefined);
  assert.equal(n.alice?.gateway, "nat1");
  assert.ok(validateText("pppoe.yaml", r.skeleton.yaml, { occupied: () => [] }).ok);
  // The same ICMP inside a capture that shows the tunnel still builds the VPN with that MTU.
  assert.equal(nodesOf(inspect("vpn.pcapng", fixture("vpn-mtu-1400")).skeleton.yaml).vpn?.mtu, 1400);
});

test("nothing found: a plain seat; the name comes from the file's", () => {
  const r = inspect("/captures/Customer Call #3.pcapng", []);
  assert.equal(r.causes.length, 0);
  assert.equal((parse(r.skeleton.yaml) as { name: string }).name, "inspected-customer-call-3");
  assert.ok(validateText("x.yaml", r.skeleton.yaml, { occupied: () => [] }).ok);
});
