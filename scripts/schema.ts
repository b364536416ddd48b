// Writes topologies/topology.schema.json from the zod schema, for editors (yaml-language-server).
// Never edit the JSON by hand: `npm run schema` regenerates it, and a unit test fails when it is stale.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { topologyJsonSchema } from "../src/topology/json-schema.js";
import { PROJECT_ROOT } from "../src/lab/images.js";

const file = join(PROJECT_ROOT, "topologies/topology.schema.json");
await writeFile(file, topologyJsonSchema());
process.stdout.write(`wrote ${file}\n`);
