/**
 * Whether a scenario with `tags` may start beside the scenarios running (their tags), in a parallel run
 * with `slots` working scenarios at once: @alone only on an empty machine and nothing beside it; a
 * @waits scenario (mostly waiting on a timer) in its own `slots`, beside as many working ones.
 */
export function canAssign(tags: readonly string[], running: ReadonlyArray<readonly string[]>, slots: number): boolean {
  const alone = (t: readonly string[]): boolean => t.includes("@alone");
  const waits = (t: readonly string[]): boolean => t.includes("@waits");
  if (running.some(alone)) return false;
  if (alone(tags)) return running.length === 0;
  return running.filter((r) => waits(r) === waits(tags)).length < slots;
}
