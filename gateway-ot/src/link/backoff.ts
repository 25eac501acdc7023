/**
 * Reconnect delays: exponential from `initialMs`, capped at `maxMs`, with "equal jitter" (each
 * delay is uniformly random between half and all of the exponential value), so a fleet of gateways
 * that lost the IT side together does not return in lockstep, and no delay is ever zero. The
 * attempt count resets only after a connection stayed up for `stableMs`, so a link that
 * authenticates and is then closed at once still backs off.
 */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly random: () => number;

  constructor(private readonly options: BackoffOptions) {
    this.random = options.random ?? Math.random;
  }

  /** The delay before the next attempt (and counts the attempt). */
  next(): number {
    const exp = Math.min(
      this.options.maxMs,
      this.options.initialMs * 2 ** Math.min(this.attempt, 30),
    );
    this.attempt++;
    return Math.round(exp / 2 + this.random() * (exp / 2));
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
