/** How long each stage of a lab's start took, for its log line: where start-up time goes, per run. */
export function stageClock(now: () => number = Date.now): { mark(stage: string): void; summary(): string } {
  let last = now();
  const marks: Array<[string, number]> = [];
  return {
    mark(stage) {
      const t = now();
      marks.push([stage, t - last]);
      last = t;
    },
    summary: () => marks.map(([stage, ms]) => `${stage} ${ms}`).join(", "),
  };
}
