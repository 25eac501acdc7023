/** The set-up codes table (hashes only) and the one question set-up asks of the users: is there an admin yet? */
import type { Db } from '../../../shared/src/store/open-database.js';

export interface SetupCodeRow {
  readonly id: string;
  readonly codeHash: string;
  readonly issuedAt: number;
}

export class SetupCodeStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      open: db.prepare<[], { id: string; code_hash: string; issued_at: number }>(
        'SELECT id, code_hash, issued_at FROM setup_codes WHERE ended_at IS NULL',
      ),
      insert: db.prepare('INSERT INTO setup_codes (id, code_hash, issued_at) VALUES (?, ?, ?)'),
      end: db.prepare(
        'UPDATE setup_codes SET ended_at = ?, ended_how = ?, used_by = ? WHERE id = ? AND ended_at IS NULL',
      ),
      hasAdmin: db.prepare<[], { n: number }>(
        "SELECT EXISTS (SELECT 1 FROM user_roles WHERE role = 'admin') AS n",
      ),
    };
  }

  /** The code that can still be used, if any. */
  open(): SetupCodeRow | undefined {
    const r = this.stmts.open.get();
    return r === undefined ? undefined : { id: r.id, codeHash: r.code_hash, issuedAt: r.issued_at };
  }

  insert(row: SetupCodeRow): void {
    this.stmts.insert.run(row.id, row.codeHash, row.issuedAt);
  }

  /** Ends an open code; false when it was no longer open (someone else ended it first). */
  end(id: string, at: number, how: 'used' | 'replaced', usedBy: string | null): boolean {
    return this.stmts.end.run(at, how, usedBy, id).changes === 1;
  }

  hasAdmin(): boolean {
    return (this.stmts.hasAdmin.get()?.n ?? 0) === 1;
  }
}
