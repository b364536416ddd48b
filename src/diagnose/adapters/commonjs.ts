import vm from "node:vm";

// A heuristic is bundled into one ES module (heuristic-source.ts), and an ES module is strict code: a
// CommonJS package written for sloppy mode (nat-type-identifier assigns undeclared variables such as
// `buf = Buffer.from(message)`) then throws a ReferenceError that Node's own loader never would. This
// evaluates such packages from their source text as Node's CommonJS loader does: each file wrapped in
// `function (exports, require, module, __filename, __dirname)`, sloppy unless the file says "use strict".

/**
 * Loads `entry` from `sources` (package name → the text of its main file), resolving `require` first
 * among `sources` (each evaluated once), then with `fallback` (Node's built-ins).
 */
export function loadCommonJs(sources: Readonly<Record<string, string>>, entry: string, fallback: (id: string) => unknown): unknown {
  const cache = new Map<string, { exports: unknown }>();
  const load = (id: string): unknown => {
    const cached = cache.get(id);
    if (cached) return cached.exports;
    if (!Object.hasOwn(sources, id)) return fallback(id);
    const module = { exports: {} as unknown };
    cache.set(id, module);
    const wrapper = vm.runInThisContext(`(function (exports, require, module, __filename, __dirname) {${sources[id]}\n})`, { filename: `${id}/index.js` }) as (
      ...a: unknown[]
    ) => void;
    wrapper(module.exports, load, module, `/${id}/index.js`, `/${id}`);
    return module.exports;
  };
  return load(entry);
}
