// coturn's turnutils_natdiscovery (Debian coturn 4.6.1): RFC 5780 mapping and filtering discovery, scored
// as it is. `turnutils_natdiscovery -m -f -p <port> -L <seat address> <server>`; its decisions are mapped
// to callpath's questions in src/diagnose/adapters/turnutils-natdiscovery.ts.
import { natDiscoveryArgv, parseNatDiscovery } from "../src/diagnose/adapters/turnutils-natdiscovery.js";
import { stunEndpoint, toolBudgetMs, ToolFailure } from "../src/diagnose/adapters/tool.js";
import { runHeuristic, runTool } from "../src/diagnose/adapters/tool-run.js";

await runHeuristic("turnutils_natdiscovery", async () => {
  const server = stunEndpoint(process.env);
  const local = process.env.CALLPATH_SEAT_ADDRESS;
  if (!local) throw new ToolFailure("CALLPATH_SEAT_ADDRESS is empty");
  const out = await runTool(natDiscoveryArgv(server, local), toolBudgetMs(process.env));
  const verdicts = parseNatDiscovery(out).verdicts;
  // The tool prints no version; its package's is the one that ran.
  const pkg = await runTool(["dpkg-query", "-W", "-f=${Version}", "coturn"], 5000).catch(() => undefined);
  return { version: pkg?.exitCode === 0 ? `coturn ${pkg.stdout.trim()}` : undefined, verdicts };
});
