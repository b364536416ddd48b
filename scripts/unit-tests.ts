// The unit tests, every *.test.ts under src/ and scripts/, in one process (npm run test:unit). `node --test`
// gives each file a process of its own: 103 files took 109 s on 2 cores, 86 s of it starting Node and tsx,
// against 18 s here. Arguments narrow the run to the files whose path contains one of them
// (`npm run test:unit -- src/lab capture`). Node's test runner reports and sets the exit code as usual.
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { PROJECT_ROOT } from "../src/lab/images.js";

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : testFiles(path);
    return e.isFile() && e.name.endsWith(".test.ts") ? [path] : [];
  });
}

const filters = process.argv.slice(2);
const files = ["src", "scripts"]
  .flatMap((d) => testFiles(join(PROJECT_ROOT, d)))
  .map((f) => relative(PROJECT_ROOT, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  process.stderr.write(`test:unit: no test file matches ${filters.join(", ")}\n`);
  process.exit(1);
}
for (const f of files) await import(pathToFileURL(join(PROJECT_ROOT, f)).href);
