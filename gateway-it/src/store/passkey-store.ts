/**
 * Passkeys and their challenges (see passkey-migrations.ts). `takeChallenge` deletes the row it
 * returns in one statement, so a challenge is spent by the first request that presents it with
 * the right binding, even when two race; `advanceCounter` only moves a counter forward.
 */
import type { Db } from '../../../shared/src/store/open-database.js';
import type { UserId } from '../../../shared/src/ids.js';

export type ChallengePurpose = 'register' | 'login' | 'second-factor';

export interface PasskeyRow {
  readonly id: string;
  readonly userId: UserId;
  readonly credentialId: string;
  readonly publicKey: Uint8Array;
  readonly counter: number;
  readonly transports: readonly string[];
  readonly name: string;
  readonly userVerified: boolean;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
}

export interface PasskeyChallenge {
  readonly challenge: string;
  readonly purpose: ChallengePurpose;
  readonly bindingHash: string;
  readonly userId: UserId | null;
  readonly source: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

interface Row {
  id: string;
  user_id: string;
  credential_id: string;
  public_key: Buffer;
  counter: number;
  transports: string;
  name: string;
  user_verified: number;
  created_at: number;
  last_used_at: number | null;
}

interface ChallengeRow {
  challenge: string;
  purpose: ChallengePurpose;
  binding_hash: string;
  user_id: string | null;
  source: string;
  created_at: number;
  expires_at: number;
}

const toPasskey = (r: Row): PasskeyRow => ({
  id: r.id,
  userId: r.user_id as UserId,
  credentialId: r.credential_id,
  publicKey: new Uint8Array(r.public_key),
  counter: r.counter,
  transports: JSON.parse(r.transports) as string[],
  name: r.name,
  userVerified: r.user_verified === 1,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
});

export class PasskeyStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO passkeys (id, user_id, credential_id, public_key, counter, transports, name, user_verified, created_at)
         VALUES (@id, @userId, @credentialId, @publicKey, @counter, @transports, @name, @userVerified, @createdAt)`,
      ),
      ofUser: db.prepare<[string], Row>(
        'SELECT * FROM passkeys WHERE user_id = ? ORDER BY created_at, id',
      ),
      byCredential: db.prepare<[string], Row>('SELECT * FROM passkeys WHERE credential_id = ?'),
      byId: db.prepare<[string, string], Row>(
        'SELECT * FROM passkeys WHERE id = ? AND user_id = ?',
      ),
      rename: db.prepare('UPDATE passkeys SET name = ? WHERE id = ? AND user_id = ?'),
      remove: db.prepare('DELETE FROM passkeys WHERE id = ? AND user_id = ?'),
      advance: db.prepare(
        'UPDATE passkeys SET counter = @counter, last_used_at = @now WHERE id = @id AND (counter < @counter OR (counter = 0 AND @counter = 0))',
      ),
      count: db.prepare<[string], { n: number }>(
        'SELECT count(*) AS n FROM passkeys WHERE user_id = ?',
      ),
      insertChallenge: db.prepare(
        `INSERT INTO passkey_challenges (challenge, purpose, binding_hash, user_id, source, created_at, expires_at)
         VALUES (@challenge, @purpose, @bindingHash, @userId, @source, @createdAt, @expiresAt)`,
      ),
      dropBinding: db.prepare(
        'DELETE FROM passkey_challenges WHERE binding_hash = ? AND purpose = ?',
      ),
      take: db.prepare<[string, string, string], ChallengeRow>(
        'DELETE FROM passkey_challenges WHERE challenge = ? AND binding_hash = ? AND purpose = ? RETURNING *',
      ),
      prune: db.prepare('DELETE FROM passkey_challenges WHERE expires_at <= ?'),
      trimSource: db.prepare(
        `DELETE FROM passkey_challenges WHERE rowid IN (
           SELECT rowid FROM passkey_challenges WHERE source = ?
           ORDER BY created_at DESC, rowid DESC LIMIT -1 OFFSET ?)`,
      ),
      live: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM passkey_challenges'),
    };
  }

  add(p: Omit<PasskeyRow, 'lastUsedAt'>): void {
    this.stmts.insert.run({
      ...p,
      publicKey: Buffer.from(p.publicKey),
      transports: JSON.stringify(p.transports),
      userVerified: p.userVerified ? 1 : 0,
    });
  }

  ofUser(userId: string): PasskeyRow[] {
    return this.stmts.ofUser.all(userId).map(toPasskey);
  }

  countOf(userId: string): number {
    return this.stmts.count.get(userId)?.n ?? 0;
  }

  byCredentialId(credentialId: string): PasskeyRow | undefined {
    const r = this.stmts.byCredential.get(credentialId);
    return r === undefined ? undefined : toPasskey(r);
  }

  get(userId: string, id: string): PasskeyRow | undefined {
    const r = this.stmts.byId.get(id, userId);
    return r === undefined ? undefined : toPasskey(r);
  }

  rename(userId: string, id: string, name: string): boolean {
    return this.stmts.rename.run(name, id, userId).changes === 1;
  }

  remove(userId: string, id: string): boolean {
    return this.stmts.remove.run(id, userId).changes === 1;
  }

  /** Stores a newer counter; false when another request already stored one at least as high. */
  advanceCounter(id: string, counter: number, now: number): boolean {
    return this.stmts.advance.run({ id, counter, now }).changes === 1;
  }

  /**
   * A new challenge for a binding and purpose; the binding's earlier one of that purpose goes,
   * and so do the source's oldest beyond `perSource - 1` (one address cannot fill the table).
   */
  addChallenge(c: PasskeyChallenge, perSource: number): void {
    this.stmts.dropBinding.run(c.bindingHash, c.purpose);
    this.stmts.trimSource.run(c.source, Math.max(0, perSource - 1));
    this.stmts.insertChallenge.run(c);
  }

  /** The challenge, removed, if it exists for that binding and purpose (expiry is the caller's). */
  takeChallenge(
    challenge: string,
    bindingHash: string,
    purpose: ChallengePurpose,
  ): PasskeyChallenge | undefined {
    const r = this.stmts.take.get(challenge, bindingHash, purpose);
    return r === undefined
      ? undefined
      : {
          challenge: r.challenge,
          purpose: r.purpose,
          bindingHash: r.binding_hash,
          userId: r.user_id as UserId | null,
          source: r.source,
          createdAt: r.created_at,
          expiresAt: r.expires_at,
        };
  }

  pruneChallenges(now: number): void {
    this.stmts.prune.run(now);
  }

  liveChallenges(): number {
    return this.stmts.live.get()?.n ?? 0;
  }
}
