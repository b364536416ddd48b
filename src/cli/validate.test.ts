import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseCidr } from "../common/ipv4.js";
import { PROJECT_ROOT } from "../lab/images.js";
import { validateCommand } from "./validate.js";

async function run(args: string[], occupied = () => [] as never[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await validateCommand(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) }, { occupied });
  return { code, stdout, stderr };
}

test("names, files and folders; non-YAML files skipped with a note; one bad file does not stop the others", async () => {
  const dir = await mkdtemp(join(tmpdir(), "callpath-validate-"));
  try {
    await writeFile(
      join(dir, "a-bomb.yaml"),
      `name: t\na: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n`,
    );
    await writeFile(join(dir, "b-proto.yml"), "name: t\nnetworks: { constructor: {} }\nnodes: { toString: { kind: sip-server, network: constructor } }\n");
    await writeFile(join(dir, "c-good.yaml"), "name: t\nnetworks: { internet: { public: true } }\nnodes: { s: { kind: sip-server, network: internet } }\n");
    await writeFile(join(dir, "topology.schema.json"), "{}");
    const r = await run([dir, "baseline", join(dir, "missing.yaml")]);
    assert.equal(r.code, 1);
    const lines = r.stdout.trim().split("\n");
    assert.ok(
      lines.some((l) => l.startsWith(`${join(dir, "a-bomb.yaml")}: (top): YAML: more than 100 alias expansions`)),
      r.stdout,
    );
    assert.ok(
      lines.some((l) => l.startsWith(`${join(dir, "b-proto.yml")}: nodes.toString: invalid node name "toString"`)),
      r.stdout,
    );
    assert.ok(lines.includes(`${join(dir, "c-good.yaml")}: ok (1 nodes, 1 networks)`), r.stdout);
    assert.ok(lines.includes(`${join(PROJECT_ROOT, "topologies/baseline.yaml")}: ok (4 nodes, 2 networks)`), r.stdout);
    assert.ok(lines.includes(`${join(dir, "missing.yaml")}: (top): cannot read the file (ENOENT)`), r.stdout);
    for (const l of lines) assert.match(l, /^[^:]+: ([^:]+: .+|ok \(.*\))$/);
    assert.match(r.stderr, /skipping .*topology\.schema\.json: not a YAML file/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the shipped topologies are clean, and topologies/* skips the JSON Schema", async () => {
  const r = await run([join(PROJECT_ROOT, "topologies")]);
  assert.equal(r.code, 0, r.stdout);
  assert.match(r.stderr, /topology\.schema\.json: not a YAML file/);
});

test("usage errors exit 2; a subnet on a host route is reported with the route", async () => {
  assert.equal((await run([])).code, 2);
  assert.equal((await run([join(PROJECT_ROOT, "topologies/topology.schema.json")])).code, 2);
  const dir = await mkdtemp(join(tmpdir(), "callpath-validate-"));
  try {
    const file = join(dir, "t.yaml");
    await writeFile(file, "name: t\nnetworks: { internet: { subnet: 192.0.2.0/24 } }\nnodes: {}\n");
    const r = await run([file], () => [{ cidr: parseCidr("192.0.2.0/24")!, by: 'host route "192.0.2.0/24 dev eth0 scope link"' }] as never[]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stdout,
      `${file}: networks.internet.subnet: network "internet": subnet 192.0.2.0/24 collides with host route "192.0.2.0/24 dev eth0 scope link"; choose another subnet or omit it to allocate one\n`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
