/**
 * Undo actions pushed as resources are made; `unwind` runs them newest first, keeps going past failures,
 * and returns every failure (Playwright fixtures' shape).
 */
export class TeardownStack {
  private readonly steps: Array<{ what: string; undo: () => Promise<void> }> = [];
  private unwound = false;
  private late: Promise<unknown>[] = [];

  /**
   * Once unwinding has begun (an interrupt while the lab was still starting), what is made afterwards is
   * undone at once: the build still in flight must not leave its last container or network behind.
   */
  push(what: string, undo: () => Promise<void>): void {
    if (this.unwound) this.late.push(undo().catch(() => undefined));
    else this.steps.push({ what, undo });
  }

  get size(): number {
    return this.steps.length;
  }

  async unwind(): Promise<Error[]> {
    this.unwound = true;
    const errors: Error[] = [];
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        await step.undo();
      } catch (e) {
        errors.push(new Error(`${step.what}: ${e instanceof Error ? e.message : String(e)}`));
      }
    }
    await Promise.all(this.late.splice(0));
    return errors;
  }
}
