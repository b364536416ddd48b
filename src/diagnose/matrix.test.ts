import assert from "node:assert/strict";
import { test } from "node:test";
import { join } from "node:path";
import { TopologyError } from "../common/errors.js";
import { builtinKinds } from "../kinds/builtin.js";
import { PROJECT_ROOT } from "../lab/images.js";
import { loadTopology } from "../topology/load.js";
import { loadMatrix, parseMatrix } from "./matrix.js";

test("cases are groups × variants × seats, in file order, with each variant's values as one-line YAML overrides", () => {
  const { cases } = parseMatrix(
    "name: m\ngroups:\n  - topology: t\n    seats: [a, b]\n    variants:\n      clean: {}\n      fw: { nodes.r.firewall: { udp: block, allow: [x] } }\n",
    "m.yaml",
  );
  assert.deepEqual(
    cases.map((c) => c.id),
    ["t/clean/a", "t/clean/b", "t/fw/a", "t/fw/b"],
  );
  assert.deepEqual(cases[2]!.overrides, [["nodes.r.firewall", "{ udp: block, allow: [ x ] }"]]);
});

test("bad matrices: every problem named with its path; duplicate cases across groups; aliases and too many cases refused before any is built", () => {
  const bad = (text: string): string[] => {
    try {
      parseMatrix(text, "m.yaml");
    } catch (e) {
      assert.ok(e instanceof TopologyError);
      return e.issues.map((i) => `${i.path}: ${i.message}`);
    }
    return [];
  };
  assert.deepEqual(bad("name: m\ngroups: []\n").length, 1);
  const many = bad("name: m\nextra: 1\ngroups:\n  - topology: t\n    seats: [Bad Seat]\n    variants: { clean: {}, 'x.y': {} }\n");
  assert.ok(many.some((m) => /extra/.test(m)));
  assert.ok(many.some((m) => /seats/.test(m)));
  assert.ok(many.length >= 3);
  assert.match(bad("name: m\ngroups:\n  - topology: t\n    seats: [a]\n    variants: { v: { 'not a path': 1 } }\n").join(), /dotted path/);
  const dup = bad("name: m\ngroups:\n  - { topology: t, seats: [a], variants: { v: {} } }\n  - { topology: t, seats: [a], variants: { v: {} } }\n");
  assert.match(dup.join(), /case t\/v\/a is also in groups\[0\]/);
  assert.match(bad("name: m\ngroups: [\n").join(), /not YAML/);
  assert.match(bad("name: m\nx: &a [1]\ngroups:\n  - { topology: t, seats: [a], variants: { v: { p: *a } } }\n").join(), /not YAML/, "no aliases");
  const seats = Array.from({ length: 32 }, (_, i) => `s${i}`).join(", ");
  const variants = Array.from({ length: 100 }, (_, i) => `v${i}: {}`).join(", ");
  const big = `name: m\ngroups:\n${Array.from({ length: 2 }, () => `  - { topology: t, seats: [${seats}], variants: { ${variants} } }`).join("\n")}\n`;
  assert.match(bad(big).join(), /6400 cases; a matrix may have at most 2000/);
});

test("every case of the shipped matrices is a valid lab (at least 40 in the standard one)", async () => {
  for (const [file, min] of [
    ["standard.yaml", 40],
    ["ci.yaml", 3],
  ] as const) {
    const { cases } = await loadMatrix(join(PROJECT_ROOT, "matrices", file));
    assert.ok(cases.length >= min, `${file}: ${cases.length} cases`);
    for (const c of cases) await loadTopology(join(PROJECT_ROOT, "topologies", `${c.topology}.yaml`), builtinKinds(), c.overrides);
  }
});
