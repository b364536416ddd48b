/**
 * Undo actions pushed as resources are made; `unwind` runs them newest first, keeps going past failures,
 * and returns every failure (Playwright fixtures' shape). Neighbours pushed with the same `group` (a lab's
 * containers, its networks, its services) do not depend on each other and are undone together: removing
 * eight containers one after another was most of a lab's teardown time.
 */
export class TeardownStack {
  private readonly steps: Array<{ what: string; undo: () => Promise<void>; group?: string }> = [];
  private unwound = false;
  private late: Promise<void>[] = [];
  private readonly lateErrors: Error[] = [];
  private readonly interruption = new AbortController();
  private running: Promise<Error[]> | undefined;

  /**
   * Once unwinding has begun (an interrupt while the lab was still starting), what is made afterwards is
   * undone at once: the build still in flight must not leave its last container or network behind.
   */
  push(what: string, undo: () => Promise<void>, group?: string): void {
    if (this.unwound)
      this.late.push(
        (async () => undo())().catch((e: unknown) => {
          this.lateErrors.push(new Error(`${what}: ${e instanceof Error ? e.message : String(e)}`));
        }),
      );
    else this.steps.push({ what, undo, group });
  }

  /**
   * Asks a build still in flight to stop at its next stage's end (its rollback then unwinds in order: a
   * network removed while its containers were still being made stayed behind). Aborts `interrupted`.
   */
  interrupt(): void {
    this.interruption.abort();
  }

  get interrupted(): AbortSignal {
    return this.interruption.signal;
  }

  /** An interrupt came or unwinding has begun: a build still in flight should stop making things. */
  get stopping(): boolean {
    return this.unwound || this.interruption.signal.aborted;
  }

  get size(): number {
    return this.steps.length;
  }

  /**
   * Undoes everything, newest first. Two callers (a start's rollback and an interrupt's teardown) take turns:
   * the second returns only once the first is done, or a process could exit with the first half-way.
   */
  async unwind(): Promise<Error[]> {
    while (this.running) await this.running.catch(() => undefined);
    this.running = this.unwindOnce();
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  private async unwindOnce(): Promise<Error[]> {
    this.unwound = true;
    const errors: Error[] = [];
    while (this.steps.length > 0) {
      const batch = [this.steps.pop()!];
      const group = batch[0]!.group;
      while (group !== undefined && this.steps.at(-1)?.group === group) batch.push(this.steps.pop()!);
      // async: an undo that throws before returning its promise is a failure like any other, not an abort.
      const results = await Promise.allSettled(batch.map(async (step) => step.undo()));
      results.forEach((r, i) => {
        if (r.status === "rejected") errors.push(new Error(`${batch[i]!.what}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`));
      });
    }
    // What a build still in flight made after an earlier unwind, undone since: awaited here, so a second
    // unwind (once that build settled) returns only when it is all gone.
    await Promise.all(this.late.splice(0));
    return [...errors, ...this.lateErrors.splice(0)];
  }
}
