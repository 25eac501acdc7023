/**
 * SSO identities (issuer + subject → account) and the login attempts sent to providers. An
 * attempt is taken once: `take` marks it used in the same statement that reads it, so two
 * callbacks with one state cannot both proceed.
 */
import type { Db } from '../../../shared/src/store/open-database.js';
import type { UserId } from '../../../shared/src/ids.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export interface SsoIdentity {
  readonly issuer: string;
  readonly subject: string;
  readonly userId: UserId;
  readonly provider: string;
  readonly email: string | null;
  readonly createdAt: number;
  readonly lastLoginAt: number | null;
}

export interface SsoLoginAttempt {
  readonly stateHash: string;
  readonly browserHash: string;
  readonly provider: string;
  readonly nonce: string;
  readonly verifierSealed: Uint8Array;
  readonly source: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly usedAt: number | null;
}

interface IdentityRow {
  issuer: string;
  subject: string;
  user_id: string;
  provider: string;
  email: string | null;
  created_at: number;
  last_login_at: number | null;
}

interface AttemptRow {
  state_hash: string;
  browser_hash: string;
  provider: string;
  nonce: string;
  verifier_sealed: Buffer;
  source: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

const toIdentity = (r: IdentityRow): SsoIdentity => ({
  issuer: r.issuer,
  subject: r.subject,
  userId: r.user_id as UserId,
  provider: r.provider,
  email: r.email,
  createdAt: r.created_at,
  lastLoginAt: r.last_login_at,
});

const toAttempt = (r: AttemptRow): SsoLoginAttempt => ({
  stateHash: r.state_hash,
  browserHash: r.browser_hash,
  provider: r.provider,
  nonce: r.nonce,
  verifierSealed: new Uint8Array(r.verifier_sealed),
  source: r.source,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  usedAt: r.used_at,
});

export class SsoStore {
  private readonly stmts;

  constructor(private readonly db: Db) {
    this.stmts = {
      identity: db.prepare<[string, string], IdentityRow>(
        'SELECT * FROM sso_identities WHERE issuer = ? AND subject = ?',
      ),
      identityOfUser: db.prepare<[string], IdentityRow>(
        'SELECT * FROM sso_identities WHERE user_id = ?',
      ),
      insertIdentity: db.prepare(
        `INSERT INTO sso_identities (issuer, subject, user_id, provider, email, created_at)
         VALUES (@issuer, @subject, @userId, @provider, @email, @createdAt)`,
      ),
      seen: db.prepare(
        'UPDATE sso_identities SET email = ?, last_login_at = ? WHERE issuer = ? AND subject = ?',
      ),
      insertAttempt: db.prepare(
        `INSERT INTO sso_login_attempts (state_hash, browser_hash, provider, nonce, verifier_sealed, source, created_at, expires_at)
         VALUES (@stateHash, @browserHash, @provider, @nonce, @verifierSealed, @source, @createdAt, @expiresAt)`,
      ),
      attempt: db.prepare<[string], AttemptRow>(
        'SELECT * FROM sso_login_attempts WHERE state_hash = ?',
      ),
      use: db.prepare(
        'UPDATE sso_login_attempts SET used_at = ? WHERE state_hash = ? AND browser_hash = ? AND used_at IS NULL',
      ),
      prune: db.prepare('DELETE FROM sso_login_attempts WHERE created_at < ?'),
      pending: db.prepare<[number], { n: number }>(
        'SELECT count(*) AS n FROM sso_login_attempts WHERE used_at IS NULL AND expires_at > ?',
      ),
      pendingFrom: db.prepare<[string, number], { n: number }>(
        'SELECT count(*) AS n FROM sso_login_attempts WHERE source = ? AND used_at IS NULL AND expires_at > ?',
      ),
    };
  }

  identity(issuer: string, subject: string): SsoIdentity | undefined {
    const r = this.stmts.identity.get(issuer, subject);
    return r === undefined ? undefined : toIdentity(r);
  }

  identityOfUser(userId: string): SsoIdentity | undefined {
    const r = this.stmts.identityOfUser.get(userId);
    return r === undefined ? undefined : toIdentity(r);
  }

  bind(i: Omit<SsoIdentity, 'lastLoginAt'>): void {
    this.stmts.insertIdentity.run(i);
  }

  recordLogin(issuer: string, subject: string, email: string | null, now: number): void {
    this.stmts.seen.run(email, now, issuer, subject);
  }

  addAttempt(a: Omit<SsoLoginAttempt, 'usedAt'>): void {
    this.stmts.insertAttempt.run({ ...a, verifierSealed: Buffer.from(a.verifierSealed) });
  }

  /**
   * The attempt for a state hash as it was before this call, marking it used when the browser's
   * hash matches (someone else holding the state cannot spend the owner's attempt); `fresh` is
   * true only for the one call that marked it.
   */
  take(
    stateHash: string,
    browserHash: string,
    now: number,
  ): { attempt: SsoLoginAttempt; fresh: boolean } | undefined {
    return writeTransaction(this.db, () => {
      const r = this.stmts.attempt.get(stateHash);
      if (r === undefined) return undefined;
      const fresh = this.stmts.use.run(now, stateHash, browserHash).changes === 1;
      return { attempt: toAttempt(r), fresh };
    })();
  }

  /** Attempts not used and not expired: in all, and from one source. */
  pending(now: number, source?: string): number {
    return source === undefined
      ? (this.stmts.pending.get(now)?.n ?? 0)
      : (this.stmts.pendingFrom.get(source, now)?.n ?? 0);
  }

  /** Forgets attempts started before `before` (kept a while so a replay is named as one). */
  prune(before: number): void {
    this.stmts.prune.run(before);
  }
}
