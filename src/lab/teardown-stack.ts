/**
 * Undo actions pushed as resources are made; `unwind` runs them newest first, keeps going past failures,
 * and returns every failure (Playwright fixtures' shape). Neighbours pushed with the same `group` (a lab's
 * containers, its networks, its services) do not depend on each other and are undone together: removing
 * eight containers one after another was most of a lab's teardown time.
 */
export class TeardownStack {
  private readonly steps: Array<{ what: string; undo: () => Promise<void>; group?: string }> = [];
  private unwound = false;
  private late: Promise<unknown>[] = [];

  /**
   * Once unwinding has begun (an interrupt while the lab was still starting), what is made afterwards is
   * undone at once: the build still in flight must not leave its last container or network behind.
   */
  push(what: string, undo: () => Promise<void>, group?: string): void {
    if (this.unwound) this.late.push(undo().catch(() => undefined));
    else this.steps.push({ what, undo, group });
  }

  get size(): number {
    return this.steps.length;
  }

  async unwind(): Promise<Error[]> {
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
    await Promise.all(this.late.splice(0));
    return errors;
  }
}
