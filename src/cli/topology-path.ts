import { join } from "node:path";
import { PROJECT_ROOT } from "../lab/images.js";

/** A topology argument as a path: a file as given, or a bare name under the project's topologies/. */
export function topologyPath(arg: string): string {
  return arg.endsWith(".yaml") || arg.endsWith(".yml") || arg.includes("/") ? arg : join(PROJECT_ROOT, "topologies", `${arg}.yaml`);
}
