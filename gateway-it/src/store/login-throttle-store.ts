/**
 * Failed-login counters in fixed windows, per account name and per source address, with the
 * account lock. Kept in the database so a restart neither forgets a lock nor resets a count.
 */
import type { Db } from '../../../shared/src/store/open-database.js';

export type ThrottleScope = 'account' | 'source';

export interface ThrottleState {
  readonly windowStart: number;
  readonly failures: number;
  readonly lockedUntil: number | null;
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
    };
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
