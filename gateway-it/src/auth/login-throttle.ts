/**
 * Failed-login accounting: per account name (known or not, so answers never reveal which names
 * exist) and per source address, in fixed windows. An account that reaches the threshold is
 * locked for a fixed time (or until an admin unlocks it); a source that reaches its limit is
 * refused until its window ends. The caller audits: this module only decides and records.
 * Only failures count, and a successful login clears the account's counter.
 */
import type { LoginThrottleStore, ThrottleState } from '../store/store.js';

export interface ThrottleLimits {
  readonly lockoutThreshold: number;
  readonly lockoutWindowMs: number;
  readonly lockoutMs: number;
  readonly sourceFailureLimit: number;
  readonly sourceWindowMs: number;
}

export type AccountGate =
  | { readonly state: 'open' }
  /** The lock had run out; the caller audits the unlock. */
  | { readonly state: 'unlocked-by-time' }
  | { readonly state: 'locked'; readonly until: number };

export interface FailureOutcome {
  /** The account became locked by this failure (until this time). */
  readonly lockedUntil: number | null;
  /** The source reached its limit with this failure. */
  readonly sourceLimited: boolean;
}

export function normalizeAccountKey(name: string): string {
  return name.trim().toLowerCase().slice(0, 64);
}

export class LoginThrottle {
  constructor(
    private readonly store: LoginThrottleStore,
    private readonly limits: ThrottleLimits,
  ) {}

  /** Whether attempts from this source are currently refused. */
  isSourceLimited(source: string, now: number): boolean {
    const s = this.store.get('source', source);
    return (
      s !== undefined &&
      now - s.windowStart < this.limits.sourceWindowMs &&
      s.failures >= this.limits.sourceFailureLimit
    );
  }

  /** Checks the account lock, clearing it when its time has run out. */
  accountGate(name: string, now: number): AccountGate {
    const key = normalizeAccountKey(name);
    const s = this.store.get('account', key);
    if (s?.lockedUntil === null || s?.lockedUntil === undefined) return { state: 'open' };
    if (s.lockedUntil > now) return { state: 'locked', until: s.lockedUntil };
    this.store.clear('account', key);
    return { state: 'unlocked-by-time' };
  }

  recordFailure(name: string, source: string, now: number): FailureOutcome {
    const account = this.bump(
      'account',
      normalizeAccountKey(name),
      now,
      this.limits.lockoutWindowMs,
    );
    let lockedUntil: number | null = null;
    if (account.lockedUntil === null && account.failures >= this.limits.lockoutThreshold) {
      lockedUntil = now + this.limits.lockoutMs;
      this.store.put('account', normalizeAccountKey(name), { ...account, lockedUntil });
    }
    const src = this.bump('source', source, now, this.limits.sourceWindowMs);
    return { lockedUntil, sourceLimited: src.failures === this.limits.sourceFailureLimit };
  }

  recordSuccess(name: string): void {
    this.store.clear('account', normalizeAccountKey(name));
  }

  /** Admin unlock: true if there was a lock (or a failure count) to clear. */
  unlock(name: string): boolean {
    return this.store.clear('account', normalizeAccountKey(name));
  }

  lockedUntil(name: string, now: number): number | null {
    const s = this.store.get('account', normalizeAccountKey(name));
    return s?.lockedUntil !== null && s?.lockedUntil !== undefined && s.lockedUntil > now
      ? s.lockedUntil
      : null;
  }

  /** Forgets counters that no longer matter (spraying many names must not grow the table forever). */
  prune(now: number): number {
    return this.store.prune(
      now - Math.max(this.limits.lockoutWindowMs, this.limits.sourceWindowMs),
      now,
    );
  }

  private bump(
    scope: 'account' | 'source',
    key: string,
    now: number,
    windowMs: number,
  ): ThrottleState {
    const s = this.store.get(scope, key);
    const fresh =
      s === undefined ||
      (now - s.windowStart >= windowMs && (s.lockedUntil === null || s.lockedUntil <= now));
    const next: ThrottleState = fresh
      ? { windowStart: now, failures: 1, lockedUntil: null }
      : { ...s, failures: s.failures + 1 };
    this.store.put(scope, key, next);
    return next;
  }
}
