import { builtinKinds } from "../src/kinds/builtin.js";
import { loadTopology } from "../src/topology/load.js";
import { docker } from "../src/lab/docker-engine.js";
import { ensureImages } from "../src/lab/images.js";
import { Lab } from "../src/lab/lab.js";
const log = (m: string) => console.error(m);
const topo = await loadTopology("topologies/baseline.yaml", builtinKinds());
const images = await ensureImages(docker(), log);
const lab = await new Lab(topo, { images, log }).start();
try {
  console.log(lab.describe());
  const alice = lab.agent("alice"), bob = lab.agent("bob");
  console.log(await alice.register(), await bob.register());
  const c = await alice.call("bob", 10000);
  console.log(c);
  await new Promise(r => setTimeout(r, 2000));
  console.log(JSON.stringify(await alice.media()), JSON.stringify(await bob.media()));
  await alice.hangup();
  const c2 = await bob.call("alice", 10000);
  console.log(c2);
  await new Promise(r => setTimeout(r, 1000));
  console.log(JSON.stringify(await alice.media()));
  console.log((await lab.node("kamailio").logs()).split("\n").filter(l => l.includes("CALLPATH")).join("\n"));
} finally { await lab.stop(); }
