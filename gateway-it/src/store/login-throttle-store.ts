/**
 * Failed-login counters in fixed windows, per account name, per source address and per (account,
 * source) pair, with the account lock and the pair's backoff; and the sources each account last
 * logged in from. Kept in the database so a restart neither forgets a lock nor resets a count.
 */
import type { Db } from '../../../shared/src/store/open-database.js';

export type ThrottleScope = 'account' | 'source';

export interface ThrottleState {
  readonly windowStart: number;
  readonly failures: number;
  readonly lockedUntil: number | null;
}

/** One (account, source) pair's failures in its window and its backoff. */
export interface PairState {
  readonly windowStart: number;
  readonly failures: number;
  readonly blockedUntil: number | null;
}

interface PairRow {
  window_start: number;
  failures: number;
  blocked_until: number | null;
}

interface Row {
  window_start: number;
  failures: number;
  locked_until: number | null;
}

export class LoginThrottleStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      get: db.prepare<[ThrottleScope, string], Row>(
        'SELECT window_start, failures, locked_until FROM login_throttle WHERE scope = ? AND key = ?',
      ),
      put: db.prepare(
        `INSERT INTO login_throttle (scope, key, window_start, failures, locked_until) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (scope, key) DO UPDATE SET window_start = excluded.window_start, failures = excluded.failures, locked_until = excluded.locked_until`,
      ),
      clear: db.prepare('DELETE FROM login_throttle WHERE scope = ? AND key = ?'),
      prune: db.prepare<[number, number]>(
        'DELETE FROM login_throttle WHERE window_start < ? AND (locked_until IS NULL OR locked_until <= ?)',
      ),
      getPair: db.prepare<[string, string], PairRow>(
        'SELECT window_start, failures, blocked_until FROM login_throttle_pairs WHERE account = ? AND source = ?',
      ),
      putPair: db.prepare(
        `INSERT INTO login_throttle_pairs (account, source, window_start, failures, blocked_until) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (account, source) DO UPDATE SET window_start = excluded.window_start, failures = excluded.failures, blocked_until = excluded.blocked_until`,
      ),
      clearPair: db.prepare('DELETE FROM login_throttle_pairs WHERE account = ? AND source = ?'),
      clearPairsOf: db.prepare('DELETE FROM login_throttle_pairs WHERE account = ?'),
      prunePairs: db.prepare<[number, number]>(
        'DELETE FROM login_throttle_pairs WHERE window_start < ? AND (blocked_until IS NULL OR blocked_until <= ?)',
      ),
      known: db.prepare<[string, string, number], { one: number }>(
        'SELECT 1 AS one FROM login_known_sources WHERE account = ? AND source = ? AND last_success >= ?',
      ),
      remember: db.prepare(
        `INSERT INTO login_known_sources (account, source, last_success) VALUES (?, ?, ?)
         ON CONFLICT (account, source) DO UPDATE SET last_success = excluded.last_success`,
      ),
      pruneKnown: db.prepare<[number]>('DELETE FROM login_known_sources WHERE last_success < ?'),
    };
  }

  getPair(account: string, source: string): PairState | undefined {
    const r = this.stmts.getPair.get(account, source);
    return r === undefined
      ? undefined
      : { windowStart: r.window_start, failures: r.failures, blockedUntil: r.blocked_until };
  }

  putPair(account: string, source: string, state: PairState): void {
    this.stmts.putPair.run(account, source, state.windowStart, state.failures, state.blockedUntil);
  }

  clearPair(account: string, source: string): boolean {
    return this.stmts.clearPair.run(account, source).changes > 0;
  }

  /** Every pair of an account (an admin unlock). */
  clearPairsOf(account: string): number {
    return this.stmts.clearPairsOf.run(account).changes;
  }

  /** Whether the account completed a login from this source at or after `since`. */
  isKnownSource(account: string, source: string, since: number): boolean {
    return this.stmts.known.get(account, source, since) !== undefined;
  }

  rememberSource(account: string, source: string, at: number): void {
    this.stmts.remember.run(account, source, at);
  }

  /** Removes pairs whose window started before `before` and that hold no live backoff, and sources unused since `knownBefore`. */
  prunePairsAndSources(before: number, now: number, knownBefore: number): number {
    return (
      this.stmts.prunePairs.run(before, now).changes +
      this.stmts.pruneKnown.run(knownBefore).changes
    );
  }

  get(scope: ThrottleScope, key: string): ThrottleState | undefined {
    const r = this.stmts.get.get(scope, key);
    return r === undefined
      ? undefined
      : { windowStart: r.window_start, failures: r.failures, lockedUntil: r.locked_until };
  }

  put(scope: ThrottleScope, key: string, state: ThrottleState): void {
    this.stmts.put.run(scope, key, state.windowStart, state.failures, state.lockedUntil);
  }

  clear(scope: ThrottleScope, key: string): boolean {
    return this.stmts.clear.run(scope, key).changes > 0;
  }

  /** Removes counters whose window started before `before` and that hold no live lock. */
  prune(before: number, now: number): number {
    return this.stmts.prune.run(before, now).changes;
  }
}
