import type { z } from "zod";
import { choices, echo } from "../common/errors.js";

// zod's own messages ("Invalid input", "expected string, received undefined") say too little to someone
// editing a YAML file. These say what is wrong in the file's words, with every valid choice.

/** What a YAML value is, in a message: "the string \"abc\"", "a list", "nothing". */
export function kindOf(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null (an empty value)";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return `the string ${echo(value)}`;
  if (typeof value === "number") return Number.isNaN(value) ? "NaN (.nan)" : Number.isFinite(value) ? `the number ${value}` : `${value} (.inf)`;
  if (typeof value === "boolean") return `${value}`;
  if (value instanceof Uint8Array) return "binary data";
  if (typeof value === "object") return "a mapping";
  return typeof value;
}

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  object: "a mapping",
  record: "a mapping",
  array: "a list",
  never: "nothing",
  null: "null",
};

export const typeName = (expected: string): string => TYPE_NAMES[expected] ?? expected;

const literal = (v: unknown): string => (typeof v === "string" ? v : String(v));

interface ZodInternals {
  _zod?: { def?: { type?: string; shape?: Record<string, ZodInternals>; innerType?: ZodInternals } };
}

/** A field that exists in a shape only to be rejected with a reason (`z.never()`), not a valid key. */
function isNeverField(s: ZodInternals | undefined): boolean {
  const def = s?._zod?.def;
  if (!def) return false;
  if (def.type === "never") return true;
  return (def.type === "optional" || def.type === "default") && isNeverField(def.innerType);
}

/** The keys an object schema accepts, for an "unknown key" message. */
export function validKeys(inst: unknown): string[] {
  const shape = (inst as ZodInternals | undefined)?._zod?.def?.shape;
  return shape
    ? Object.entries(shape)
        .filter(([, s]) => !isNeverField(s))
        .map(([k]) => k)
    : [];
}

type Issue = z.core.$ZodIssue;

/** A union whose every branch failed at its root on type or value: one message naming all choices. */
export function flatUnion(errors: readonly (readonly Issue[])[]): { values: unknown[]; types: string[] } | undefined {
  const values: unknown[] = [];
  const types: string[] = [];
  for (const branch of errors) {
    if (branch.length !== 1 || branch[0]!.path.length !== 0) return undefined;
    const i = branch[0]!;
    if (i.code === "invalid_value") values.push(...i.values);
    else if (i.code === "invalid_type") types.push(i.expected);
    else return undefined;
  }
  return { values, types };
}

function unionMessage(errors: readonly (readonly Issue[])[], input: unknown): string | undefined {
  const flat = flatUnion(errors);
  if (!flat) return undefined;
  // A literal branch that wanted another type is still a value choice ("5060 | 5080"), not a type.
  if (flat.values.length > 0) return `must be one of: ${choices(flat.values.map(literal), " | ")}; got ${kindOf(input)}`;
  return `expected ${[...new Set(flat.types.map(typeName))].join(" or ")}; got ${kindOf(input)}`;
}

/** zod's error map for topology files (pass as `safeParse(value, { error: topologyErrorMap })`). */
export function topologyErrorMap(iss: z.core.$ZodRawIssue): string | undefined {
  const input = iss.input;
  switch (iss.code) {
    case "invalid_type":
      if (input === undefined) return "required";
      return `expected ${typeName(iss.expected)}; got ${kindOf(input)}`;
    case "invalid_value":
      return iss.values.length === 1
        ? `must be ${literal(iss.values[0])}; got ${kindOf(input)}`
        : `must be one of: ${choices(iss.values.map(literal), " | ")}; got ${kindOf(input)}`;
    case "unrecognized_keys": {
      const keys = validKeys(iss.inst);
      return `unknown key; valid keys here: ${choices(keys)}`;
    }
    case "too_big": {
      const max = String(iss.maximum);
      if (iss.origin === "string") return `too long (${(input as string).length} characters); at most ${max}`;
      if (iss.origin === "array") return `too many entries (${(input as unknown[]).length}); at most ${max}`;
      return `${kindOf(input)} is too large; at most ${max}${iss.inclusive === false ? " (exclusive)" : ""}`;
    }
    case "too_small": {
      const min = String(iss.minimum);
      if (iss.origin === "string") return `too short; at least ${min} character${min === "1" ? "" : "s"}`;
      if (iss.origin === "array") return `needs at least ${min} entr${min === "1" ? "y" : "ies"}`;
      if (iss.inclusive === false && min === "0") return `must be above 0; got ${kindOf(input)}`;
      return `${kindOf(input)} is too small; at least ${min}${iss.inclusive === false ? " (exclusive)" : ""}`;
    }
    case "invalid_format":
      return `${kindOf(input)} is not in the expected form${iss.pattern ? ` (${iss.pattern})` : ""}`;
    case "not_multiple_of":
      return `must be a multiple of ${iss.divisor}; got ${kindOf(input)}`;
    case "invalid_key": {
      // The key's own problem (a regex's message, say) says what a valid key looks like.
      const inner = (iss as unknown as { issues?: Array<{ message?: string }> }).issues?.[0]?.message;
      return inner ? `invalid key: ${inner}` : "invalid key";
    }
    case "invalid_union": {
      const d = iss as unknown as { discriminator?: string; options?: unknown[]; errors: Issue[][] };
      if (d.discriminator) {
        const value = input && typeof input === "object" ? (input as Record<string, unknown>)[d.discriminator] : undefined;
        const opts = choices((d.options ?? []).map(literal), " | ");
        return value === undefined ? `required; one of: ${opts}` : `must be one of: ${opts}; got ${kindOf(value)}`;
      }
      return unionMessage(d.errors, input) ?? "matches none of the accepted forms";
    }
    default:
      return undefined;
  }
}
