/** Which SSH keys a strong login made fresh, and until when (table `ssh_key_fresh_logins`). */
import type { Db } from '../../../shared/src/store/open-database.js';

export interface SshFreshLogin {
  readonly keyId: string;
  readonly userId: string;
  /** When the key + code login happened... */
  readonly verifiedAt: number;
  /** ...from which address... */
  readonly source: string;
  /** ...and until when the key logs in without a code. */
  readonly freshUntil: number;
}

interface FreshRow {
  key_id: string;
  user_id: string;
  verified_at: number;
  source: string;
  fresh_until: number;
}

const toFresh = (r: FreshRow): SshFreshLogin => ({
  keyId: r.key_id,
  userId: r.user_id,
  verifiedAt: r.verified_at,
  source: r.source,
  freshUntil: r.fresh_until,
});

export class SshFreshLoginStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      put: db.prepare(
        `INSERT INTO ssh_key_fresh_logins (key_id, user_id, verified_at, source, fresh_until) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (key_id) DO UPDATE SET user_id = excluded.user_id, verified_at = excluded.verified_at, source = excluded.source, fresh_until = excluded.fresh_until`,
      ),
      get: db.prepare<[string], FreshRow>('SELECT * FROM ssh_key_fresh_logins WHERE key_id = ?'),
      byUser: db.prepare<[string], FreshRow>(
        'SELECT * FROM ssh_key_fresh_logins WHERE user_id = ? ORDER BY key_id',
      ),
      endForUser: db.prepare('DELETE FROM ssh_key_fresh_logins WHERE user_id = ?'),
      endKey: db.prepare('DELETE FROM ssh_key_fresh_logins WHERE key_id = ?'),
      prune: db.prepare('DELETE FROM ssh_key_fresh_logins WHERE fresh_until <= ?'),
    };
  }

  /** Sets (or renews) the key's mark. */
  put(f: SshFreshLogin): void {
    this.stmts.put.run(f.keyId, f.userId, f.verifiedAt, f.source, f.freshUntil);
  }

  get(keyId: string): SshFreshLogin | undefined {
    const r = this.stmts.get.get(keyId);
    return r === undefined ? undefined : toFresh(r);
  }

  listByUser(userId: string): SshFreshLogin[] {
    return this.stmts.byUser.all(userId).map(toFresh);
  }

  /** Ends every mark of a user (their keys need a code again); returns how many there were. */
  endForUser(userId: string): number {
    return this.stmts.endForUser.run(userId).changes;
  }

  /** Ends one key's mark (its next login needs a code). */
  endKey(keyId: string): void {
    this.stmts.endKey.run(keyId);
  }

  /** Forgets marks that ran out before `now`. */
  prune(now: number): number {
    return this.stmts.prune.run(now).changes;
  }
}
