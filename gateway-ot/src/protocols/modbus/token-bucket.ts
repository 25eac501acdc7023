/**
 * A token bucket on an injected clock: `burst` requests at once, refilled at `perSecond`. Used per
 * Modbus session so one operator's tool cannot flood the PLC (or the audit log with refusals).
 * Not a fairness scheduler: it only says yes or no, at once.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  take(now: number): boolean {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
      this.last = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
