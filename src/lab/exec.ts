import { PassThrough } from "node:stream";
import type Docker from "dockerode";
import { ExecError } from "../common/errors.js";
import type { ExecProcess } from "../kinds/kind.js";

/** Runs a command in a container to completion and returns its stdout; non-zero exit → ExecError. */
export async function execIn(
  d: Docker,
  containerId: string,
  node: string,
  cmd: readonly string[],
  opts: { stdin?: string; allowFailure?: boolean } = {},
): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const exec = await d.getContainer(containerId).exec({
    Cmd: [...cmd],
    AttachStdout: true,
    AttachStderr: true,
    AttachStdin: opts.stdin !== undefined,
  });
  const stream = await exec.start({ hijack: true, stdin: opts.stdin !== undefined });
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  out.on("data", (c: Buffer) => chunks.out.push(c));
  err.on("data", (c: Buffer) => chunks.err.push(c));
  d.modem.demuxStream(stream, out, err);
  if (opts.stdin !== undefined) {
    stream.write(opts.stdin);
    // Half-close so the command sees EOF on stdin.
    (stream as unknown as { end(): void }).end();
  }
  await new Promise<void>((resolve, reject) => {
    stream.on("end", resolve);
    stream.on("close", resolve);
    stream.on("error", reject);
  });
  const { ExitCode } = await exec.inspect();
  const result = { stdout: Buffer.concat(chunks.out).toString(), stderr: Buffer.concat(chunks.err).toString(), exitCode: ExitCode ?? -1 };
  if (result.exitCode !== 0 && !opts.allowFailure) throw new ExecError(node, cmd, result.exitCode, result.stderr || result.stdout);
  return result;
}

/** Starts a long-running command with stdin/stdout/stderr attached. */
export async function spawnIn(d: Docker, containerId: string, cmd: readonly string[], env?: Readonly<Record<string, string>>): Promise<ExecProcess> {
  const exec = await d.getContainer(containerId).exec({
    Cmd: [...cmd],
    AttachStdout: true,
    AttachStderr: true,
    AttachStdin: true,
    // Passed as Docker's own exec environment: no `env NAME=VALUE` argv for a value to be misread in.
    ...(env ? { Env: Object.entries(env).map(([k, v]) => `${k}=${v}`) } : {}),
  });
  const stream = await exec.start({ hijack: true, stdin: true });
  const out = new PassThrough();
  const err = new PassThrough();
  d.modem.demuxStream(stream, out, err);
  const exited = new Promise<number | null>((resolve) => {
    const done = (): void => {
      exec.inspect().then(
        (i) => resolve(i.ExitCode ?? null),
        () => resolve(null),
      );
    };
    stream.on("end", done);
    stream.on("close", done);
    stream.on("error", done);
  });
  return {
    write: (text) => void stream.write(text),
    // Decoded as streams: a character split across two chunks must not become U+FFFD in protocol JSON.
    onStdout: (l) => void out.setEncoding("utf8").on("data", (c: string) => l(c)),
    onStderr: (l) => void err.setEncoding("utf8").on("data", (c: string) => l(c)),
    exited,
    close: () => {
      (stream as unknown as { end(): void }).end();
      (stream as unknown as { destroy?(): void }).destroy?.();
    },
  };
}
