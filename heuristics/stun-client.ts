// stun-client (Debian, stund 0.97): the classic RFC 3489 NAT-type classifier, scored as it is.
// `stun <CALLPATH_STUN> -v`; its class is mapped to callpath's questions in src/diagnose/adapters/stun-client.ts.
import { parseStunClient, stunClientArgv } from "../src/diagnose/adapters/stun-client.js";
import { stunEndpoint, toolBudgetMs } from "../src/diagnose/adapters/tool.js";
import { runHeuristic, runTool } from "../src/diagnose/adapters/tool-run.js";

await runHeuristic("stun-client", async () => {
  const { host, port } = stunEndpoint(process.env);
  const out = await runTool(stunClientArgv(`${host}:${port}`), toolBudgetMs(process.env));
  const { version, verdicts } = parseStunClient(out);
  return { version, verdicts };
});
