import { z } from "zod";
import { builtinKinds } from "../kinds/builtin.js";
import { topologySchema } from "./schema.js";

/** The JSON Schema of a topology file, generated from the zod schema of the registered kinds. */
export function topologyJsonSchema(): string {
  const schema = z.toJSONSchema(topologySchema(builtinKinds()), { io: "input", unrepresentable: "any" });
  return `${JSON.stringify({ ...schema, title: "callpath topology" }, null, 2)}\n`;
}
