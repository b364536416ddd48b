import assert from "node:assert/strict";
import { test } from "node:test";
import { builtinKinds } from "../kinds/builtin.js";
import { parseTopology } from "../topology/load.js";
import { readLabView, type DockerContainerEntry, type DockerNetworkEntry } from "./attached-lab.js";
import { NETWORK_LABEL, NODE_LABEL } from "./labels.js";

const topo = parseTopology(
  `name: baseline
networks: { lan1: {}, internet: { public: true } }
nodes:
  kamailio: { kind: sip-server, network: internet }
  nat1: { kind: nat-router, lan: lan1, wan: internet }
  alice: { kind: user-agent, network: lan1, gateway: nat1, sip: { server: kamailio } }
`,
  "baseline.yaml",
  builtinKinds(),
);

const networks: DockerNetworkEntry[] = [
  { Id: "n-lan", Labels: { [NETWORK_LABEL]: "lan1" }, IPAM: { Config: [{ Subnet: "10.123.4.0/24" }] } },
  { Id: "n-inet", Labels: { [NETWORK_LABEL]: "internet" }, IPAM: { Config: [{ Subnet: "198.51.100.32/27" }] } },
];
const container = (node: string, ips: Record<string, string>, State = "running"): DockerContainerEntry => ({
  Id: `c-${node}`,
  State,
  Labels: { [NODE_LABEL]: node },
  NetworkSettings: { Networks: Object.fromEntries(Object.entries(ips).map(([id, ip]) => [`callpath-x-${id}`, { NetworkID: id, IPAddress: ip }])) },
});
const containers = [
  container("kamailio", { "n-inet": "198.51.100.33" }),
  container("nat1", { "n-lan": "10.123.4.1", "n-inet": "198.51.100.34" }),
  container("alice", { "n-lan": "10.123.4.2" }),
];

test("the view from Docker gives the addresses the lab allocated: the topology's rules over the subnets Docker has", () => {
  const v = readLabView(topo, "lab1", networks, containers);
  assert.equal(v.book.addressOf("nat1", "internet"), "198.51.100.34");
  assert.equal(v.book.addressOf("alice"), "10.123.4.2");
  assert.deepEqual(
    [...v.containers],
    [
      ["kamailio", "c-kamailio"],
      ["nat1", "c-nat1"],
      ["alice", "c-alice"],
    ],
  );
});

test("every mismatch between the lab and its topology is reported at once", () => {
  const bad = [
    container("kamailio", { "n-inet": "198.51.100.40" }),
    container("nat1", { "n-lan": "10.123.4.1", "n-inet": "198.51.100.34" }, "exited"),
    container("carol", { "n-lan": "10.123.4.9" }),
  ];
  assert.throws(
    () => readLabView(topo, "lab1", networks, bad),
    (e: Error) => {
      assert.match(e.message, /lab lab1 does not match topology "baseline" \(baseline\.yaml\)/);
      assert.match(e.message, /node "carol" is in the lab but not in the topology/);
      assert.match(e.message, /node "nat1" is exited, not running/);
      assert.match(e.message, /node "alice" has no container/);
      assert.match(e.message, /callpath down lab1/);
      return true;
    },
  );
  assert.throws(() => readLabView(topo, "lab1", [networks[0]!], containers), /network "internet" is missing/);
  assert.throws(
    () => readLabView(topo, "lab1", networks, [containers[0]!, containers[1]!, container("alice", { "n-lan": "10.123.4.7" })]),
    /node "alice" on "lan1": the topology gives 10\.123\.4\.2, Docker has 10\.123\.4\.7/,
  );
});
