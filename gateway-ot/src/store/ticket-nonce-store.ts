/** Seen session-ticket nonces (SQLite, so replays are refused across restarts), pruned by age. */
import type { Db } from '../../../shared/src/store/open-database.js';

export class TicketNonceStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      has: db.prepare<[string], { nonce: string }>(
        'SELECT nonce FROM ticket_nonces WHERE nonce = ?',
      ),
      insert: db.prepare(
        'INSERT OR IGNORE INTO ticket_nonces (nonce, session_id, seen_at) VALUES (?, ?, ?)',
      ),
      prune: db.prepare('DELETE FROM ticket_nonces WHERE seen_at < ?'),
      count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM ticket_nonces'),
    };
  }

  has(nonce: string): boolean {
    return this.stmts.has.get(nonce) !== undefined;
  }

  insert(nonce: string, sessionId: string, seenAt: number): void {
    this.stmts.insert.run(nonce, sessionId, seenAt);
  }

  /** Removes nonces seen before `before`; returns how many. */
  prune(before: number): number {
    return this.stmts.prune.run(before).changes;
  }

  count(): number {
    return this.stmts.count.get()?.n ?? 0;
  }
}
