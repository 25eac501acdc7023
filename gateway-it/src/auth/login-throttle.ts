/**
 * Failed-login accounting that keeps guessing out without letting a stranger lock a person out:
 *  - per (account, source) pair: the first `backoffAfterFailures` failures in the window are
 *    free; each one after that blocks the pair for a backoff that doubles (base, 2×base, ... up to
 *    the maximum). Only that account from that address waits.
 *  - per account (every source together): at `lockoutThreshold` failures in the window the account
 *    is locked for `lockoutMs`, but only for sources it has not completed a login from within
 *    `knownSourceMs`: attempts spread over many addresses cannot stop the person logging in from
 *    where they always do. An admin unlock clears the lock and every pair of the account.
 *  - per source (every account together): at `sourceFailureLimit` the address is refused until
 *    its window ends.
 * Names that are not accounts are counted the same way, so answers never reveal which exist.
 * The caller audits: this module only decides and records. Only failures count; a refusal by a
 * gate is not a failure. A successful login clears its pair and remembers the source.
 */
import type { LoginThrottleStore, PairState, ThrottleState } from '../store/store.js';

export interface ThrottleLimits {
  readonly lockoutThreshold: number;
  readonly lockoutWindowMs: number;
  readonly lockoutMs: number;
  readonly sourceFailureLimit: number;
  readonly sourceWindowMs: number;
  readonly backoffAfterFailures: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly knownSourceMs: number;
}

export type LoginGate =
  /** `unlockedByTime`: the account lock had run out and was cleared now (the caller audits it). */
  | { readonly state: 'open'; readonly unlockedByTime: boolean }
  /** The account is locked and this source is not one it logs in from. */
  | { readonly state: 'locked'; readonly until: number; readonly unlockedByTime: false }
  /** This account from this source is in backoff. */
  | { readonly state: 'throttled'; readonly until: number; readonly unlockedByTime: boolean };

export interface FailureOutcome {
  /** The account became locked by this failure (until this time). */
  readonly lockedUntil: number | null;
  /** The source reached its limit with this failure. */
  readonly sourceLimited: boolean;
  /** The (account, source) pair is now in backoff until this time. */
  readonly backoffUntil: number | null;
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

  /** May this account be tried from this source now? Clears an account lock whose time ran out. */
  gate(name: string, source: string, now: number): LoginGate {
    const key = normalizeAccountKey(name);
    const s = this.store.get('account', key);
    let unlockedByTime = false;
    if (s?.lockedUntil !== null && s?.lockedUntil !== undefined) {
      if (s.lockedUntil <= now) {
        this.store.clear('account', key);
        unlockedByTime = true;
      } else if (!this.isKnownSource(key, source, now))
        return { state: 'locked', until: s.lockedUntil, unlockedByTime: false };
    }
    const pair = this.store.getPair(key, source);
    if (pair?.blockedUntil !== null && pair?.blockedUntil !== undefined && pair.blockedUntil > now)
      return { state: 'throttled', until: pair.blockedUntil, unlockedByTime };
    return { state: 'open', unlockedByTime };
  }

  recordFailure(name: string, source: string, now: number): FailureOutcome {
    const key = normalizeAccountKey(name);
    const account = this.bump('account', key, now, this.limits.lockoutWindowMs);
    let lockedUntil: number | null = null;
    if (account.lockedUntil === null && account.failures >= this.limits.lockoutThreshold) {
      lockedUntil = now + this.limits.lockoutMs;
      this.store.put('account', key, { ...account, lockedUntil });
    }
    const backoffUntil = this.bumpPair(key, source, now);
    const src = this.bump('source', source, now, this.limits.sourceWindowMs);
    return {
      lockedUntil,
      sourceLimited: src.failures === this.limits.sourceFailureLimit,
      backoffUntil,
    };
  }

  /**
   * A completed login: forgets this pair's failures and remembers the source. The account's own
   * count is cleared only while it is not locked: the person logging in from a known source must
   * not lift a lock that holds strangers back.
   */
  recordSuccess(name: string, source: string, now: number): void {
    const key = normalizeAccountKey(name);
    this.store.clearPair(key, source);
    this.store.rememberSource(key, source, now);
    const s = this.store.get('account', key);
    if (s !== undefined && (s.lockedUntil === null || s.lockedUntil <= now))
      this.store.clear('account', key);
  }

  /** Admin unlock: clears the account lock and every (account, source) backoff; true if there was any. */
  unlock(name: string): boolean {
    const key = normalizeAccountKey(name);
    const had = this.store.clear('account', key);
    return this.store.clearPairsOf(key) > 0 || had;
  }

  lockedUntil(name: string, now: number): number | null {
    const s = this.store.get('account', normalizeAccountKey(name));
    return s?.lockedUntil !== null && s?.lockedUntil !== undefined && s.lockedUntil > now
      ? s.lockedUntil
      : null;
  }

  /** Forgets counters that no longer matter (spraying many names must not grow the tables forever). */
  prune(now: number): number {
    const before = now - Math.max(this.limits.lockoutWindowMs, this.limits.sourceWindowMs);
    return (
      this.store.prune(before, now) +
      this.store.prunePairsAndSources(before, now, now - this.limits.knownSourceMs)
    );
  }

  private isKnownSource(key: string, source: string, now: number): boolean {
    return this.store.isKnownSource(key, source, now - this.limits.knownSourceMs);
  }

  /** Counts a pair's failure; past the free ones, blocks it for a doubling backoff. */
  private bumpPair(key: string, source: string, now: number): number | null {
    const { backoffAfterFailures, backoffBaseMs, backoffMaxMs, lockoutWindowMs } = this.limits;
    const p = this.store.getPair(key, source);
    const fresh =
      p === undefined ||
      (now - p.windowStart >= lockoutWindowMs &&
        (p.blockedUntil === null || p.blockedUntil <= now));
    const failures = fresh ? 1 : p.failures + 1;
    const over = failures - backoffAfterFailures;
    const blockedUntil =
      over > 0 ? now + Math.min(backoffMaxMs, backoffBaseMs * 2 ** Math.min(over - 1, 30)) : null;
    const next: PairState = {
      windowStart: fresh ? now : p.windowStart,
      failures,
      blockedUntil,
    };
    this.store.putPair(key, source, next);
    return blockedUntil;
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
