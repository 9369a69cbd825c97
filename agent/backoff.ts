// Jittered exponential backoff ("full jitter", AWS architecture blog): a fleet of agents that lost
// the control plane at the same moment does not come back in lock-step.

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Returns a number in [0, 1); injectable so tests are deterministic. */
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  constructor(private readonly opts: BackoffOptions) {}

  /** The delay before the next attempt; grows 2x per failure up to maxMs, uniformly jittered in [cap/2, cap]. */
  next(): number {
    const cap = Math.min(this.opts.maxMs, this.opts.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    const r = (this.opts.random ?? Math.random)();
    // Half fixed, half random: never retry immediately in a hot loop, still spread out.
    return Math.round(cap / 2 + (r * cap) / 2);
  }

  reset(): void {
    this.attempt = 0;
  }

  get failures(): number {
    return this.attempt;
  }
}
