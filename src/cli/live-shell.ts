import { spawn } from "node:child_process";
import { LabError } from "../common/errors.js";
import { FAILED, UsageError, type Command } from "./command.js";
import { nodeArg, withUpLab } from "./live-lab.js";

// `callpath shell <node>`: an interactive shell in a node of the lab `callpath up` left, through the
// docker CLI with this terminal (`docker exec -it`); bash where the image has it, else sh.

const SHELL = "if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi";

/** The docker CLI's arguments for a shell in `containerId`. */
export function shellArgs(containerId: string): string[] {
  return ["exec", "-it", "-e", `TERM=${process.env.TERM ?? "xterm"}`, containerId, "sh", "-c", SHELL];
}

/** Refuses to open a shell without a terminal, saying how to run one command instead. */
export function requireTerminal(isTTY: boolean | undefined, node: string, containerId: string): void {
  if (!isTTY)
    throw new UsageError(
      `a shell in ${node} needs a terminal, and stdin is not one; to run one command without it: docker exec ${containerId.slice(0, 12)} <command>`,
    );
}

export function shellCommand(): Command {
  return {
    usage: "shell <node>",
    summary: "an interactive shell in a node of the lab 'up' started",
    help: [
      "Opens an interactive shell (bash, else sh) in <node> of the lab `callpath up` started, on this terminal",
      "(docker exec -it, through the docker CLI). Exits with the shell's exit code; 2 on an unknown node or",
      "when stdin is not a terminal.",
    ].join("\n"),
    run: async (positionals) => {
      if (positionals.length !== 1) throw new UsageError("name one node");
      const node = positionals[0]!;
      return withUpLab(async (lab) => {
        nodeArg(lab, node);
        const id = lab.containerId(node);
        requireTerminal(process.stdin.isTTY, node, id);
        return runShell(id);
      });
    },
  };
}

function runShell(containerId: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn("docker", shellArgs(containerId), { stdio: "inherit" });
    p.on("error", (e: NodeJS.ErrnoException) =>
      reject(
        e.code === "ENOENT" ? new LabError(`the docker CLI is not on PATH; open a shell with any Docker client: exec -it ${containerId.slice(0, 12)} sh`) : e,
      ),
    );
    p.on("exit", (code, signal) => resolve(code ?? (signal ? FAILED : 0)));
  });
}
