// The npm package nat-type-identifier (a PyStun port, RFC 3489), scored as it is: its defaults but the
// STUN host, which must be the lab's (its own default is a public server). What its source does, and why
// it is called this way: src/diagnose/adapters/nat-type-identifier.ts.
/// <reference path="../src/diagnose/adapters/text-imports.d.ts" />
import dgram from "node:dgram";
import { createRequire } from "node:module";
import binascii from "binascii/index.js" with { type: "text" };
import cryptoRandomString from "crypto-random-string/index.js" with { type: "text" };
import natTypeIdentifier from "nat-type-identifier/index.js" with { type: "text" };
import pkg from "nat-type-identifier/package.json" with { type: "json" };
import type getNatTypeFn from "nat-type-identifier";
import { loadCommonJs } from "../src/diagnose/adapters/commonjs.js";
import { natTypeIdentifierVerdicts, SAMPLE_COUNT, sendDestination } from "../src/diagnose/adapters/nat-type-identifier.js";
import { stunEndpoint, toolBudgetMs, ToolFailure } from "../src/diagnose/adapters/tool.js";
import { runHeuristic } from "../src/diagnose/adapters/tool-run.js";

await runHeuristic("nat-type-identifier", async () => {
  const stun = stunEndpoint(process.env);
  if (stun.port !== 3478) throw new ToolFailure(`CALLPATH_STUN is on port ${stun.port}; nat-type-identifier can only ask port 3478`);
  // Only the lab's STUN server, by both its addresses, may be sent to: the tool follows CHANGED-ADDRESS.
  // (Node replays a send made before the socket is bound through send() again: both calls are checked.)
  const allowed = new Set([stun.host, ...(process.env.CALLPATH_STUN_ALT ? [stunEndpoint(process.env, "CALLPATH_STUN_ALT").host] : [])]);
  const log: string[] = [];
  let refused: string | undefined;
  const send = dgram.Socket.prototype.send;
  dgram.Socket.prototype.send = function (this: dgram.Socket, ...args: unknown[]) {
    const to = sendDestination(args);
    if (!allowed.has(to.address)) {
      refused ??= `${to.address}:${String(to.port)}`;
      return;
    }
    return (send as (...a: unknown[]) => void).apply(this, args);
  } as typeof send;
  // Its log (logsEnabled) is the evidence; it goes to stderr too, so stdout holds only the report.
  console.log = (...parts: unknown[]) => {
    const line = parts.map(String).join(" ");
    log.push(line);
    process.stderr.write(`${line}\n`);
  };
  // Its own source, run as Node runs it (sloppy CommonJS): a bundle is strict, and the package is not.
  const sources = { "nat-type-identifier": natTypeIdentifier, binascii, "crypto-random-string": cryptoRandomString };
  const getNatType = loadCommonJs(sources, "nat-type-identifier", createRequire(import.meta.url)) as typeof getNatTypeFn;
  const budget = toolBudgetMs(process.env);
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([
    getNatType({ logsEnabled: true, sampleCount: SAMPLE_COUNT, stunHost: stun.host }),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ToolFailure(
              `no result within ${budget} ms (${SAMPLE_COUNT} samples; it waits 20 s on each unanswered test and retries "Blocked" forever); its log: ${log.slice(-20).join(" | ")}`,
            ),
          ),
        budget,
      );
    }),
    new Promise<never>((_, reject) => {
      const check = setInterval(() => {
        if (refused) {
          clearInterval(check);
          reject(new ToolFailure(`it tried to send to ${refused}, which is not the lab's STUN server (${[...allowed].join(", ")}); not sent`));
        }
      }, 50);
      check.unref();
    }),
  ]);
  clearTimeout(timer);
  return { version: pkg.version, verdicts: natTypeIdentifierVerdicts(result, log) };
});
