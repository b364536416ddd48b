import { randomBytes } from "node:crypto";
import type Docker from "dockerode";
import tar from "tar-stream";
import { LabError } from "../common/errors.js";
import { activeLabs } from "../lab/active-labs.js";
import { execIn } from "../lab/exec.js";
import { LAB_LABEL, NODE_LABEL, OWNER_LABEL, TOPOLOGY_LABEL } from "../lab/labels.js";

/** The analyzer is swept like a lab (it carries a lab id of its own) when the process that made it is gone. */
export const ANALYZER_TOPOLOGY = "(analyzer)";

/**
 * A container with Wireshark's tools (containers/analyzer), where captures are merged and dissected. One
 * per process, made on first use and removed when the process ends; files go in and out as tar streams,
 * straight from the lab's nodes, so nothing touches the host's disk but what the report keeps.
 */
export class Analyzer {
  private constructor(
    private readonly d: Docker,
    private readonly container: Docker.Container,
    private readonly unregister: () => void,
  ) {}

  static async open(d: Docker, image: string): Promise<Analyzer> {
    const id = `analyzer-${randomBytes(3).toString("hex")}`;
    // Registered for removal inside `creating`: an interrupt while the create is in flight waits for it.
    const { container, unregister, remove } = await activeLabs.creating(async () => {
      const container = await d.createContainer({
        name: `callpath-${id}`,
        Image: image,
        // Not the base image's init, which waits for a lab to release its node.
        Entrypoint: ["sleep", "infinity"],
        Labels: { [LAB_LABEL]: id, [TOPOLOGY_LABEL]: ANALYZER_TOPOLOGY, [OWNER_LABEL]: String(process.pid), [NODE_LABEL]: "analyzer" },
        // It reads files; it never needs a network.
        HostConfig: { NetworkMode: "none" },
      });
      const remove = async (): Promise<Error[]> => {
        try {
          await container.remove({ force: true, v: true });
          return [];
        } catch (e) {
          return [e as Error];
        }
      };
      return { container, remove, unregister: activeLabs.add(id, remove) };
    });
    try {
      await container.start();
    } catch (e) {
      unregister();
      await remove();
      throw e;
    }
    return new Analyzer(d, container, () => {
      unregister();
    });
  }

  /** Unpacks a tar stream under `dir` (made first). */
  async put(dir: string, archive: NodeJS.ReadableStream | Buffer): Promise<void> {
    await this.run('mkdir -p "$1"', [dir]);
    await this.container.putArchive(archive as never, { path: dir });
  }

  async putFile(path: string, content: Buffer | string): Promise<void> {
    const pack = tar.pack();
    pack.entry({ name: path.replace(/^\//, "") }, content);
    pack.finalize();
    await this.container.putArchive(pack as never, { path: "/" });
  }

  /** Runs a shell script (`sh -ec`) with positional arguments: values reach it as "$1"…, never as code. */
  async run(
    script: string,
    args: readonly string[] = [],
    opts: { allowFailure?: boolean } = {},
  ): Promise<{ stdout: string; stderr: string; exitCode: number }> {
    return execIn(this.d, this.container.id, "analyzer", ["sh", "-ec", script, "sh", ...args], { allowFailure: opts.allowFailure });
  }

  /** One file's bytes. */
  async readFile(path: string): Promise<Buffer> {
    const stream = (await this.container.getArchive({ path })) as unknown as NodeJS.ReadableStream;
    return new Promise<Buffer>((resolve, reject) => {
      const extract = tar.extract();
      const chunks: Buffer[] = [];
      let found = false;
      extract.on("entry", (header, body, next) => {
        if (header.type === "file" && !found) {
          found = true;
          body.on("data", (c: Buffer) => chunks.push(c));
        } else body.resume();
        body.on("end", next);
      });
      extract.on("finish", () => (found ? resolve(Buffer.concat(chunks)) : reject(new LabError(`analyzer: ${path} is not a file`))));
      extract.on("error", reject);
      stream.pipe(extract);
    });
  }

  async close(): Promise<void> {
    this.unregister();
    await this.container.remove({ force: true, v: true });
  }
}

let shared: Promise<Analyzer> | undefined;

/** This process's analyzer, made on first use; closeSharedAnalyzer removes it. */
export function sharedAnalyzer(d: Docker, image: string): Promise<Analyzer> {
  shared ??= Analyzer.open(d, image).catch((e: unknown) => {
    shared = undefined;
    throw e;
  });
  return shared;
}

export async function closeSharedAnalyzer(): Promise<void> {
  const a = shared;
  shared = undefined;
  await (await a?.catch(() => undefined))?.close();
}
