import { constants } from "node:fs";
import { access, readdir, readFile, stat } from "node:fs/promises";
import { basename, extname, join, resolve } from "node:path";
import { LabError } from "../common/errors.js";
import { PROJECT_ROOT } from "../lab/images.js";
import type { NodeFile } from "../kinds/kind.js";
import { IMAGE_REF } from "../kinds/heuristic/index.js";

// Where a heuristic comes from (the user's repository, callpath's own heuristics/ folder, or a container
// image) and what goes into the seat to run it. JavaScript and TypeScript are bundled into one file for the
// seat's Node, so a heuristic may import npm packages from the user's node_modules; anything else is copied
// as it is and run by its #! line.

export const HEURISTICS_DIR = join(PROJECT_ROOT, "heuristics");
/** Where a heuristic's files go inside the seat. */
export const SEAT_DIR = "/opt/callpath-heuristic";
/** The seat's Node (callpath's user-agent image). */
const SEAT_NODE = "/usr/local/bin/node";
const SCRIPT_LIMIT = 5 * 1024 * 1024;
const BUNDLED = new Set([".ts", ".mts", ".js", ".mjs"]);

export type HeuristicSource =
  | { readonly kind: "script"; readonly name: string; readonly file: string }
  | { readonly kind: "image"; readonly name: string; readonly image: string };

/** callpath's own heuristics, by name: heuristics/<name>.ts. */
export async function shippedHeuristics(): Promise<string[]> {
  return (await readdir(HEURISTICS_DIR).catch(() => [] as string[])).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts")).map((f) => f.slice(0, -3));
}

/**
 * `--heuristic` as given: `image:<ref>` is a container image; a path to a file is a script; a bare name is
 * one of callpath's own. Anything else is an error that lists what would have worked.
 */
export async function heuristicSource(arg: string, cwd = process.cwd()): Promise<HeuristicSource> {
  if (arg.startsWith("image:")) {
    const image = arg.slice("image:".length);
    if (!IMAGE_REF.test(image)) throw new LabError(`--heuristic ${JSON.stringify(arg)}: not an image reference (image:name[:tag], lower case)`);
    return { kind: "image", name: image, image };
  }
  const shipped = await shippedHeuristics();
  if (!arg.includes("/") && shipped.includes(arg)) return { kind: "script", name: arg, file: join(HEURISTICS_DIR, `${arg}.ts`) };
  const file = resolve(cwd, arg);
  const st = await stat(file).catch(() => undefined);
  if (!st)
    throw new LabError(
      `--heuristic ${JSON.stringify(arg)}: no such file; give a path to an executable or a .ts/.js file, image:<ref>, or one of callpath's own: ${shipped.join(", ")}`,
    );
  if (!st.isFile()) throw new LabError(`--heuristic ${JSON.stringify(arg)}: ${file} is not a file`);
  if (st.size > SCRIPT_LIMIT) throw new LabError(`--heuristic ${JSON.stringify(arg)}: ${st.size} bytes; a heuristic file may be at most ${SCRIPT_LIMIT}`);
  if (!BUNDLED.has(extname(file)))
    await access(file, constants.X_OK).catch(() => {
      throw new LabError(`--heuristic ${JSON.stringify(arg)}: ${file} is not executable (chmod +x, with a #! line), nor a .ts/.js file`);
    });
  return { kind: "script", name: basename(file).replace(/\.[^.]+$/, ""), file };
}

export interface PreparedScript {
  readonly name: string;
  readonly files: readonly NodeFile[];
  /** What runs in the seat. */
  readonly argv: readonly string[];
}

/** The files and command line for the seat: prepared once per run, copied into every case's seat. */
export async function prepareScript(src: Extract<HeuristicSource, { kind: "script" }>): Promise<PreparedScript> {
  if (BUNDLED.has(extname(src.file))) {
    const { build } = await import("esbuild");
    const out = await build({
      entryPoints: [src.file],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      write: false,
      logLevel: "silent",
      legalComments: "none",
      // CommonJS packages inside an ESM bundle still call require() for Node's built-ins.
      banner: { js: 'import { createRequire as __cpCreateRequire } from "node:module"; const require = __cpCreateRequire(import.meta.url);' },
    }).catch((e: Error) => {
      throw new LabError(`--heuristic ${src.file}: it does not bundle: ${e.message.split("\n").slice(0, 6).join("\n")}`);
    });
    const path = `${SEAT_DIR}/${src.name}.mjs`;
    return { name: src.name, files: [{ path, content: out.outputFiles[0]!.text }], argv: [SEAT_NODE, path] };
  }
  const path = `${SEAT_DIR}/${basename(src.file)}`;
  return { name: src.name, files: [{ path, content: await readFile(src.file), mode: 0o755 }], argv: [path] };
}
