import { chance, type ResolvedImpairment } from "./model.js";

// What the userspace engine does to each packet, decided the way netem's enqueue does (net/sched/sch_netem.c):
// duplicate, then loss, then corruption, then the queue limit, then the send time from delay, jitter,
// reordering and rate. Pure: time and randomness come in, a fate goes out, so it is tested without a network.

export type Fate =
  | { readonly kind: "drop"; readonly why: "loss" | "limit" }
  | { readonly kind: "send"; readonly at: number; readonly copies: 1 | 2; readonly corrupt: boolean };

/** netem's get_crandom: each draw leans on the last by `correlation` percent. */
class CorrelatedRandom {
  private last = 0;
  constructor(
    private readonly rng: () => number,
    private readonly correlation: number,
  ) {}
  next(): number {
    const u = this.rng();
    if (this.correlation === 0) return u;
    const rho = this.correlation / 100;
    this.last = u * (1 - rho) + this.last * rho;
    return this.last;
  }
}

/** Standard normal quantile (Acklam's rational approximation; |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  const q = Math.min(Math.max(p, 1e-12), 1 - 1e-12);
  const a = [-39.6968302866538, 220.946098424521, -275.928510446969, 138.357751867269, -30.6647980661472, 2.50662827745924];
  const b = [-54.4760987982241, 161.585836858041, -155.698979859887, 66.8013118877197, -13.2806815528857];
  const c = [-0.00778489400243029, -0.322396458041136, -2.40075827716184, -2.54973253934373, 4.37466414146497, 2.93816398269878];
  const d = [0.00778469570904146, 0.32246712907004, 2.445134137143, 3.75440866190742];
  const tail = (r: number): number =>
    (((((c[0]! * r + c[1]!) * r + c[2]!) * r + c[3]!) * r + c[4]!) * r + c[5]!) / ((((d[0]! * r + d[1]!) * r + d[2]!) * r + d[3]!) * r + 1);
  if (q < 0.02425) return tail(Math.sqrt(-2 * Math.log(q)));
  if (q > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - q)));
  const r = q - 0.5;
  const s = r * r;
  return (
    ((((((a[0]! * s + a[1]!) * s + a[2]!) * s + a[3]!) * s + a[4]!) * s + a[5]!) * r) / (((((b[0]! * s + b[1]!) * s + b[2]!) * s + b[3]!) * s + b[4]!) * s + 1)
  );
}

// Pareto with shape 3 (iproute2's table), shifted and scaled to mean 0 and standard deviation 1, so that
// `jitter` means the same spread for every distribution, as netem's tables do.
const PARETO_ALPHA = 3;
const PARETO_MEAN = PARETO_ALPHA / (PARETO_ALPHA - 1);
const PARETO_SD = Math.sqrt(PARETO_ALPHA / ((PARETO_ALPHA - 1) ** 2 * (PARETO_ALPHA - 2)));
const paretoQuantile = (p: number): number => ((1 - Math.min(p, 1 - 1e-12)) ** (-1 / PARETO_ALPHA) - PARETO_MEAN) / PARETO_SD;

/** Zero-mean, unit-spread deviate of `distribution` for a (possibly correlated) uniform draw `u`. */
export function deviate(distribution: string, u: number): number {
  switch (distribution) {
    case "normal":
      return normalQuantile(u);
    case "pareto":
      return paretoQuantile(u);
    case "paretonormal":
      // iproute2's paretonormal table mixes the two: a quarter normal, three quarters pareto.
      return 0.25 * normalQuantile(u) + 0.75 * paretoQuantile(u);
    default:
      // netem's uniform jitter spans [mu − sigma, mu + sigma].
      return 2 * u - 1;
  }
}

export class Impairer {
  private readonly jitterRandom: CorrelatedRandom;
  private readonly lossRandom: CorrelatedRandom;
  private readonly dupRandom: CorrelatedRandom;
  private readonly corruptRandom: CorrelatedRandom;
  private readonly reorderRandom: CorrelatedRandom;
  private badState = false;
  private reorderCounter = 0;
  /** Send time of the packet last scheduled: the reference for rate and for in-order jitter. */
  private lastAt = -Infinity;

  constructor(
    readonly rule: ResolvedImpairment,
    private readonly rng: () => number = Math.random,
  ) {
    const loss = rule.loss && "random" in rule.loss ? rule.loss.correlation : 0;
    this.jitterRandom = new CorrelatedRandom(rng, rule.delay?.correlation ?? 0);
    this.lossRandom = new CorrelatedRandom(rng, loss);
    this.dupRandom = new CorrelatedRandom(rng, chance(rule.duplicate)?.correlation ?? 0);
    this.corruptRandom = new CorrelatedRandom(rng, chance(rule.corrupt)?.correlation ?? 0);
    this.reorderRandom = new CorrelatedRandom(rng, rule.reorder?.correlation ?? 0);
  }

  /** The fate of a packet of `length` bytes arriving at `now` (ms) while `queued` packets wait. */
  decide(now: number, length: number, queued: number): Fate {
    const r = this.rule;
    let copies = 0;
    const dup = chance(r.duplicate);
    if (dup && this.dupRandom.next() * 100 < dup.percent) copies++;
    copies++;
    if (this.lost()) copies--;
    if (copies === 0) return { kind: "drop", why: "loss" };
    const cor = chance(r.corrupt);
    const corrupt = cor !== undefined && this.corruptRandom.next() * 100 < cor.percent;
    if (queued >= (r.rate?.limit ?? 1000)) return { kind: "drop", why: "limit" };
    return { kind: "send", at: this.sendTime(now, length), copies: copies as 1 | 2, corrupt };
  }

  private lost(): boolean {
    const loss = this.rule.loss;
    if (!loss) return false;
    if ("random" in loss) return loss.random > 0 && this.lossRandom.next() * 100 < loss.random;
    // netem's loss_gilb_ell: move between states, then lose with the state's probability.
    const g = loss.gemodel;
    const r = g.r ?? 100 - g.p;
    if (this.badState) {
      if (this.rng() * 100 < r) this.badState = false;
      return this.rng() * 100 < g["1-h"];
    }
    if (this.rng() * 100 < g.p) this.badState = true;
    return this.rng() * 100 < g["1-k"];
  }

  private sendTime(now: number, length: number): number {
    const r = this.rule;
    let delay = 0;
    if (r.delay) {
      delay = r.delay.ms + (r.delay.jitter > 0 ? r.delay.jitter * deviate(r.delay.distribution, this.jitterRandom.next()) : 0);
      delay = Math.max(0, delay);
    }
    if (r.reorder) {
      const { percent, gap } = r.reorder;
      // netem: a packet jumps the queue (is sent now) only once `gap − 1` packets were delayed, and then by chance.
      if (this.reorderCounter < gap - 1 || this.reorderRandom.next() * 100 >= percent) this.reorderCounter++;
      else {
        this.reorderCounter = 0;
        return now;
      }
    }
    let at = now + delay;
    if (r.rate) {
      // netem's rate: the link serialises packets one after another, each taking its length's time.
      at = Math.max(at, this.lastAt) + (length * 8) / r.rate.kbit;
    } else if (r.delay && !r.delay.reorder) {
      at = Math.max(at, this.lastAt);
    }
    this.lastAt = Math.max(this.lastAt, at);
    return at;
  }
}
