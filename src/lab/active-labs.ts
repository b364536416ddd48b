import { LabError } from "../common/errors.js";
import { stderrLogger } from "../common/log.js";

type Unwind = () => Promise<Error[]>;

/** How long an interrupted process waits for resources still being created before it exits. */
const IN_FLIGHT_WAIT_MS = 30_000;

/**
 * Labs (and analyzers) this process has up. On SIGINT/SIGTERM they are torn down before the process
 * exits, so an interrupted run leaves nothing behind; `callpath prune` covers harder crashes. A resource
 * whose creation was in flight when the signal came is waited for and removed too (a cucumber After hook
 * that made an analyzer during the exit left it running), and nothing new is made once exiting began.
 */
export class ActiveLabs {
  private readonly labs = new Map<string, Unwind>();
  private installed = false;
  private exiting = false;
  private inFlight = 0;
  private readonly late: Array<Promise<Error[]>> = [];

  constructor(private readonly onSignals = true) {}

  add(id: string, unwind: Unwind): () => void {
    if (this.exiting) {
      this.late.push(unwind().catch((e: Error) => [e]));
      return () => undefined;
    }
    this.labs.set(id, unwind);
    if (this.onSignals) this.installSignalHandlers();
    return () => this.labs.delete(id);
  }

  /** Makes a resource whose removal `make` registers with add(); refused once the process is exiting. */
  async creating<T>(make: () => Promise<T>): Promise<T> {
    if (this.exiting) throw new LabError("the process is exiting: nothing new is made");
    this.inFlight++;
    try {
      return await make();
    } finally {
      this.inFlight--;
    }
  }

  async unwindAll(): Promise<Error[]> {
    const all = [...this.labs.entries()];
    this.labs.clear();
    return (await Promise.all(all.map(([, u]) => u()))).flat();
  }

  /** An interrupt's teardown is under way: it ends the process (130 or 143) once everything is gone. */
  get isExiting(): boolean {
    return this.exiting;
  }

  /** What an interrupt does before the exit: everything registered, in flight or registered meanwhile goes. */
  async exit(): Promise<Error[]> {
    this.exiting = true;
    const errors = await this.unwindAll();
    const deadline = Date.now() + IN_FLIGHT_WAIT_MS;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    errors.push(...(await this.unwindAll()));
    for (const more of await Promise.all(this.late.splice(0))) errors.push(...more);
    return errors;
  }

  private installSignalHandlers(): void {
    if (this.installed) return;
    this.installed = true;
    const log = stderrLogger();
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.once(signal, () => {
        log(`${signal}: tearing down ${this.labs.size} lab(s) before exiting`);
        void this.exit().then((errors) => {
          for (const e of errors) log(`teardown: ${e.message}`);
          process.exit(signal === "SIGINT" ? 130 : 143);
        });
      });
    }
  }
}

export const activeLabs = new ActiveLabs();
