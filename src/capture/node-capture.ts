import { LabError } from "../common/errors.js";
import type { ExecProcess, NodeRuntime } from "../kinds/kind.js";
import type { CaptureSource } from "./lab-capture.js";
import {
  CAPTURE_DIR,
  INTERFACES_FILE,
  captureScript,
  droppedByKernel,
  interfaceLabel,
  listeningOn,
  parseAnnouncements,
  type AnnouncedInterface,
  type CapturedInterface,
  type RingOptions,
} from "./capture-plan.js";

/** What one interface's capture is: its label, its network, and how to tell its frames' direction. */
export interface InterfaceCapture extends CapturedInterface, AnnouncedInterface {}

/** tcpdump on every interface of one node, from before the node is configured until it is stopped. */
export class NodeCapture implements CaptureSource {
  private stderr = "";
  private stopped: Promise<{ dropped: number }> | undefined;

  private constructor(
    readonly node: string,
    private readonly rt: NodeRuntime,
    private readonly proc: ExecProcess,
    readonly interfaces: readonly InterfaceCapture[],
  ) {}

  /** Starts the captures and resolves once tcpdump listens on every interface (its own "listening on" line). */
  static async start(rt: NodeRuntime, ring: RingOptions, timeoutMs = 15_000): Promise<NodeCapture> {
    const wanted: CapturedInterface[] = [...new Set(rt.node.interfaces.map((i) => i.network))].map((network) => ({
      node: rt.name,
      network,
      address: rt.addressOf(rt.name, network),
    }));
    const proc = await rt.spawn(["sh", "-ec", captureScript(wanted, ring)]);
    let stdout = "";
    let stderr = "";
    let settle: (() => void) | undefined;
    const check = (): void => settle?.();
    proc.onStdout((c) => {
      stdout += c;
      check();
    });
    proc.onStderr((c) => {
      stderr += c;
      check();
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new LabError(`${rt.name}: capture did not start within ${timeoutMs} ms: ${stderr.trim().slice(-400) || "(no output)"}`)),
          timeoutMs,
        );
        settle = () => {
          const announced = parseAnnouncements(stdout);
          const listening = new Set(listeningOn(stderr));
          if (announced.length === wanted.length && announced.every((a) => listening.has(a.kernelName))) {
            clearTimeout(timer);
            resolve();
          }
        };
        void proc.exited.then((code) => {
          clearTimeout(timer);
          reject(new LabError(`${rt.name}: capture ended at start (exit ${code}): ${stderr.trim().slice(-400) || "(no output)"}`));
        });
        check();
      });
    } catch (e) {
      proc.close();
      throw e;
    }
    const announced = parseAnnouncements(stdout);
    const interfaces = wanted.map((w) => ({ ...w, ...announced.find((a) => a.label === interfaceLabel(w))! }));
    const capture = new NodeCapture(rt.name, rt, proc, interfaces);
    capture.stderr = stderr;
    proc.onStderr((c) => {
      capture.stderr = (capture.stderr + c).slice(-8000);
    });
    return capture;
  }

  /**
   * Stops every tcpdump (SIGINT: each writes its last packet and its summary) and waits for them to end:
   * the files are then whole. Once; later calls answer as the first did.
   */
  stop(timeoutMs = 10_000): Promise<{ dropped: number }> {
    this.stopped ??= (async () => {
      await this.rt.exec(["sh", "-c", "pkill -INT -x tcpdump; true"]);
      const ended = await Promise.race([this.proc.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), timeoutMs))]);
      this.proc.close();
      if (!ended) throw new LabError(`${this.node}: tcpdump did not stop within ${timeoutMs} ms`);
      return { dropped: droppedByKernel(this.stderr) };
    })();
    return this.stopped;
  }

  /** Closes the channel without stopping tcpdump (teardown: the container goes anyway). */
  close(): void {
    this.proc.close();
  }

  /** Where the ring files are, inside the node. */
  get directory(): string {
    return CAPTURE_DIR;
  }
}

/**
 * The capture a node of a kept lab is running, as a later process finds it (the announcements the capture
 * left in the node); null when the node captures nothing.
 */
export async function runningCapture(rt: NodeRuntime): Promise<CaptureSource | null> {
  const text = await rt.exec(["sh", "-c", `cat ${INTERFACES_FILE} 2>/dev/null; true`]);
  const announced = parseAnnouncements(text);
  if (announced.length === 0) return null;
  const interfaces = [...new Set(rt.node.interfaces.map((i) => i.network))].flatMap((network) => {
    const a = announced.find((x) => x.label === interfaceLabel({ node: rt.name, network }));
    return a ? [{ node: rt.name, network, address: rt.addressOf(rt.name, network), ...a }] : [];
  });
  return { node: rt.name, interfaces, directory: CAPTURE_DIR };
}
