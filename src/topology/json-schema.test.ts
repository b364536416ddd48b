import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { PROJECT_ROOT } from "../lab/images.js";
import { topologyJsonSchema } from "./json-schema.js";

test("the committed JSON Schema is what `npm run schema` generates", async () => {
  const committed = await readFile(join(PROJECT_ROOT, "topologies/topology.schema.json"), "utf8");
  assert.equal(committed, topologyJsonSchema(), "topologies/topology.schema.json is stale: run `npm run schema`");
});

test("the schema knows every kind and rejects unknown keys", () => {
  const schema = JSON.parse(topologyJsonSchema());
  const text = JSON.stringify(schema);
  for (const kind of ["sip-server", "nat-router", "user-agent"]) assert.ok(text.includes(`"const":"${kind}"`), kind);
  assert.equal(schema.additionalProperties, false);
});

test("the impairment model is defined once in $defs and referenced, not inlined per kind", () => {
  const text = topologyJsonSchema();
  const schema = JSON.parse(text) as { $defs?: Record<string, unknown> };
  for (const id of ["impairment", "link-impairments", "match", "delay", "rate"]) assert.ok(schema.$defs?.[id], id);
  assert.ok(text.includes('"$ref": "#/$defs/link-impairments"'));
  assert.equal(text.match(/delay variation/g)?.length, 1, "the delay schema appears once");
  assert.ok(text.split("\n").length < 3000, `${text.split("\n").length} lines`);
});
