/**
 * Portal sessions, API tokens and the intermediate steps of a login. Rows are found by the hash of
 * the bearer secret; the secret itself is never stored, so reading the database yields no usable
 * session. Ending a session keeps the row (ended_at, end_reason) for the record.
 */
import type { Db } from '../../../shared/src/store/open-database.js';
import type { UserId } from '../../../shared/src/ids.js';

export const AUTH_SESSION_KINDS = ['web', 'api', 'mfa-pending', 'mfa-enroll'] as const;
export type AuthSessionKind = (typeof AUTH_SESSION_KINDS)[number];

export interface AuthSession {
  readonly id: string;
  readonly userId: UserId;
  readonly kind: AuthSessionKind;
  readonly csrfToken: string | null;
  readonly source: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  /** Null for kinds without an idle timeout (API tokens, login steps). */
  readonly idleTimeoutMs: number | null;
  readonly expiresAt: number;
  readonly enrollSecretSealed: Uint8Array | null;
  /** How a login step's first factor was proven (JSON, see auth/); null: a password. */
  readonly firstFactor: string | null;
  readonly endedAt: number | null;
  readonly endReason: string | null;
}

export interface NewAuthSession {
  readonly id: string;
  readonly secretHash: string;
  readonly userId: UserId;
  readonly kind: AuthSessionKind;
  readonly csrfToken: string | null;
  readonly source: string;
  readonly createdAt: number;
  readonly idleTimeoutMs: number | null;
  readonly expiresAt: number;
  readonly enrollSecretSealed: Uint8Array | null;
  readonly firstFactor: string | null;
}

interface Row {
  id: string;
  secret_hash: string;
  user_id: string;
  kind: AuthSessionKind;
  csrf_token: string | null;
  source: string;
  created_at: number;
  last_seen_at: number;
  idle_timeout_ms: number | null;
  expires_at: number;
  enroll_secret_sealed: Buffer | null;
  first_factor: string | null;
  ended_at: number | null;
  end_reason: string | null;
}

const toSession = (r: Row): AuthSession => ({
  id: r.id,
  userId: r.user_id as UserId,
  kind: r.kind,
  csrfToken: r.csrf_token,
  source: r.source,
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  idleTimeoutMs: r.idle_timeout_ms,
  expiresAt: r.expires_at,
  enrollSecretSealed:
    r.enroll_secret_sealed === null ? null : new Uint8Array(r.enroll_secret_sealed),
  firstFactor: r.first_factor,
  endedAt: r.ended_at,
  endReason: r.end_reason,
});

export class AuthSessionStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO auth_sessions (id, secret_hash, user_id, kind, csrf_token, source, created_at, last_seen_at, idle_timeout_ms, expires_at, enroll_secret_sealed, first_factor)
         VALUES (@id, @secretHash, @userId, @kind, @csrfToken, @source, @createdAt, @createdAt, @idleTimeoutMs, @expiresAt, @enrollSecretSealed, @firstFactor)`,
      ),
      bySecret: db.prepare<[string], Row>('SELECT * FROM auth_sessions WHERE secret_hash = ?'),
      byId: db.prepare<[string], Row>('SELECT * FROM auth_sessions WHERE id = ?'),
      touch: db.prepare(
        'UPDATE auth_sessions SET last_seen_at = ? WHERE id = ? AND ended_at IS NULL',
      ),
      end: db.prepare(
        'UPDATE auth_sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL',
      ),
      endAllOfUser: db.prepare<[number, string, string]>(
        'UPDATE auth_sessions SET ended_at = ?, end_reason = ? WHERE user_id = ? AND ended_at IS NULL',
      ),
      liveOfUser: db.prepare<[string, number], Row>(
        'SELECT * FROM auth_sessions WHERE user_id = ? AND ended_at IS NULL AND expires_at > ? ORDER BY created_at',
      ),
    };
  }

  insert(s: NewAuthSession): void {
    this.stmts.insert.run({
      ...s,
      enrollSecretSealed: s.enrollSecretSealed === null ? null : Buffer.from(s.enrollSecretSealed),
    });
  }

  getBySecretHash(hash: string): AuthSession | undefined {
    const r = this.stmts.bySecret.get(hash);
    return r === undefined ? undefined : toSession(r);
  }

  get(id: string): AuthSession | undefined {
    const r = this.stmts.byId.get(id);
    return r === undefined ? undefined : toSession(r);
  }

  touch(id: string, now: number): void {
    this.stmts.touch.run(now, id);
  }

  /** Ends a live session; false if it had already ended. */
  end(id: string, now: number, reason: string): boolean {
    return this.stmts.end.run(now, reason, id).changes === 1;
  }

  /** Ends every live session and token of a user (disable, MFA reset, password change). */
  endAllOfUser(userId: string, now: number, reason: string): number {
    return this.stmts.endAllOfUser.run(now, reason, userId).changes;
  }

  liveOfUser(userId: string, now: number): AuthSession[] {
    return this.stmts.liveOfUser.all(userId, now).map(toSession);
  }
}
