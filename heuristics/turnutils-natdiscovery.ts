// coturn's turnutils_natdiscovery (Debian coturn 4.6.1): RFC 5780 mapping and filtering discovery, scored
// as it is. `turnutils_natdiscovery -m -f -p <port> -L <local address> <server>`; its decisions are mapped
// to callpath's questions in src/diagnose/adapters/turnutils-natdiscovery.ts.
import { natDiscoveryArgv, parseNatDiscovery } from "../src/diagnose/adapters/turnutils-natdiscovery.js";
import { stunEndpoint, toolBudgetMs, ToolFailure } from "../src/diagnose/adapters/tool.js";
import { runHeuristic, runTool } from "../src/diagnose/adapters/tool-run.js";

await runHeuristic("turnutils_natdiscovery", async () => {
  const server = stunEndpoint(process.env);
  // The local address is the one the seat's route to the server uses (a VPN client's tunnel address, say),
  // as a person running the tool picks it: a socket bound to the LAN address but routed into a tunnel
  // sends packets the concentrator drops, and every test would time out.
  const route = await runTool(["ip", "-o", "-4", "route", "get", server.host], 5000);
  const local = /\bsrc (\d+\.\d+\.\d+\.\d+)/.exec(route.stdout)?.[1] ?? process.env.CALLPATH_SEAT_ADDRESS;
  if (!local) throw new ToolFailure(`no route to ${server.host} names a source address, and CALLPATH_SEAT_ADDRESS is empty`);
  const out = await runTool(natDiscoveryArgv(server, local), toolBudgetMs(process.env));
  const verdicts = parseNatDiscovery(out).verdicts;
  // The tool prints no version; its package's is the one that ran.
  const pkg = await runTool(["dpkg-query", "-W", "-f=${Version}", "coturn"], 5000).catch(() => undefined);
  return { version: pkg?.exitCode === 0 ? `coturn ${pkg.stdout.trim()}` : undefined, verdicts };
});
