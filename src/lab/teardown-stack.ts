/**
 * Undo actions pushed as resources are made; `unwind` runs them newest first, keeps going past failures,
 * and returns every failure (Playwright fixtures' shape).
 */
export class TeardownStack {
  private readonly steps: Array<{ what: string; undo: () => Promise<void> }> = [];

  push(what: string, undo: () => Promise<void>): void {
    this.steps.push({ what, undo });
  }

  get size(): number {
    return this.steps.length;
  }

  async unwind(): Promise<Error[]> {
    const errors: Error[] = [];
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        await step.undo();
      } catch (e) {
        errors.push(new Error(`${step.what}: ${e instanceof Error ? e.message : String(e)}`));
      }
    }
    return errors;
  }
}
