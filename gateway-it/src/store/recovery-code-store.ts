/** Hashes of a user's MFA recovery codes; a code is consumed by marking it used, never deleted. */
import type { Db } from '../../../shared/src/store/open-database.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export class RecoveryCodeStore {
  private readonly db: Db;
  private readonly stmts;

  constructor(db: Db) {
    this.db = db;
    this.stmts = {
      clear: db.prepare('DELETE FROM recovery_codes WHERE user_id = ?'),
      insert: db.prepare('INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)'),
      consume: db.prepare(
        'UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL',
      ),
      remaining: db.prepare<[string], { n: number }>(
        'SELECT count(*) AS n FROM recovery_codes WHERE user_id = ? AND used_at IS NULL',
      ),
    };
  }

  /** Replaces every code of the user (new enrollment or regeneration). */
  replace(userId: string, hashes: readonly string[]): void {
    writeTransaction(this.db, () => {
      this.stmts.clear.run(userId);
      for (const h of hashes) this.stmts.insert.run(userId, h);
    })();
  }

  clear(userId: string): void {
    this.stmts.clear.run(userId);
  }

  /** Marks the code used; false if it does not exist or was used before. */
  consume(userId: string, hash: string, now: number): boolean {
    return this.stmts.consume.run(now, userId, hash).changes === 1;
  }

  remaining(userId: string): number {
    return this.stmts.remaining.get(userId)?.n ?? 0;
  }
}
