import { spawn } from "node:child_process";
import { reportLine, ToolFailure, type ToolOutput, type ToolVerdicts } from "./tool.js";

// The impure half of a third-party heuristic, run in the seat: start the tool with a deadline, and print
// the report or fail. Bundled into heuristics/<tool>.ts by esbuild (heuristic-source.ts).

/** Runs `argv` (no shell) to its end, or kills it at `timeoutMs` and fails naming what it printed. */
export function runTool(argv: readonly string[], timeoutMs: number): Promise<ToolOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new ToolFailure(
          `${argv.join(" ")} did not finish within ${timeoutMs} ms; stdout: ${JSON.stringify(stdout.slice(-2000))}; stderr: ${JSON.stringify(stderr.slice(-2000))}`,
        ),
      );
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new ToolFailure(`${argv[0]} could not be started: ${e.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? (signal ? 128 : null), stdout, stderr });
    });
  });
}

/** Prints the report, or the failure on stderr with a non-zero exit: a tool failure is never a verdict. */
export async function runHeuristic(name: string, body: () => Promise<{ version?: string; verdicts: ToolVerdicts }>): Promise<never> {
  try {
    const { version, verdicts } = await body();
    await new Promise<void>((r) => process.stdout.write(reportLine(name, version, verdicts), () => r()));
    process.exit(0);
  } catch (e) {
    const msg = e instanceof ToolFailure ? e.message : `${(e as Error)?.stack ?? String(e)}`;
    await new Promise<void>((r) => process.stderr.write(`${name}: ${msg}\n`, () => r()));
    process.exit(1);
  }
}
