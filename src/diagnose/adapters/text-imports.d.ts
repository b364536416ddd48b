// The main files of the CommonJS packages heuristics/nat-type-identifier.ts evaluates itself (commonjs.ts),
// imported as text: esbuild's `with { type: "text" }`.
declare module "nat-type-identifier/index.js" {
  const text: string;
  export default text;
}
declare module "binascii/index.js" {
  const text: string;
  export default text;
}
declare module "crypto-random-string/index.js" {
  const text: string;
  export default text;
}
