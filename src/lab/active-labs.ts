import { stderrLogger } from "../common/log.js";

type Unwind = () => Promise<Error[]>;

/**
 * Labs this process has up. On SIGINT/SIGTERM they are torn down before the process exits, so an
 * interrupted run leaves nothing behind; `callpath prune` covers harder crashes.
 */
class ActiveLabs {
  private readonly labs = new Map<string, Unwind>();
  private installed = false;

  add(id: string, unwind: Unwind): () => void {
    this.labs.set(id, unwind);
    this.installSignalHandlers();
    return () => this.labs.delete(id);
  }

  async unwindAll(): Promise<Error[]> {
    const all = [...this.labs.entries()];
    this.labs.clear();
    return (await Promise.all(all.map(([, u]) => u()))).flat();
  }

  private installSignalHandlers(): void {
    if (this.installed) return;
    this.installed = true;
    const log = stderrLogger();
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.once(signal, () => {
        log(`${signal}: tearing down ${this.labs.size} lab(s) before exiting`);
        void this.unwindAll().then((errors) => {
          for (const e of errors) log(`teardown: ${e.message}`);
          process.exit(signal === "SIGINT" ? 130 : 143);
        });
      });
    }
  }
}

export const activeLabs = new ActiveLabs();
