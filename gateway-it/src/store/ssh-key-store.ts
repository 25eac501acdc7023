/** Users' registered SSH public keys (wire-format blobs), looked up by SHA-256 fingerprint at login. */
import type { Db } from '../../../shared/src/store/open-database.js';

export interface SshKeyRecord {
  readonly id: string;
  readonly userId: string;
  readonly algorithm: string;
  readonly blob: Uint8Array;
  /** `SHA256:<base64, no padding>`, as `ssh-keygen -l` prints it. */
  readonly fingerprint: string;
  readonly comment: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
}

interface KeyRow {
  id: string;
  user_id: string;
  algorithm: string;
  key_blob: Buffer;
  fingerprint: string;
  comment: string;
  created_at: number;
  last_used_at: number | null;
}

const toRecord = (r: KeyRow): SshKeyRecord => ({
  id: r.id,
  userId: r.user_id,
  algorithm: r.algorithm,
  blob: new Uint8Array(r.key_blob),
  fingerprint: r.fingerprint,
  comment: r.comment,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
});

export class SshKeyStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      insert: db.prepare(
        'INSERT INTO user_ssh_keys (id, user_id, algorithm, key_blob, fingerprint, comment, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      remove: db.prepare('DELETE FROM user_ssh_keys WHERE id = ? AND user_id = ?'),
      byUser: db.prepare<[string], KeyRow>(
        'SELECT * FROM user_ssh_keys WHERE user_id = ? ORDER BY created_at, id',
      ),
      byFingerprint: db.prepare<[string], KeyRow>(
        'SELECT * FROM user_ssh_keys WHERE fingerprint = ?',
      ),
      touch: db.prepare('UPDATE user_ssh_keys SET last_used_at = ? WHERE id = ?'),
    };
  }

  add(k: Omit<SshKeyRecord, 'lastUsedAt'>): void {
    this.stmts.insert.run(
      k.id,
      k.userId,
      k.algorithm,
      Buffer.from(k.blob),
      k.fingerprint,
      k.comment,
      k.createdAt,
    );
  }

  /** False when the user has no key with that id. */
  remove(userId: string, id: string): boolean {
    return this.stmts.remove.run(id, userId).changes === 1;
  }

  listByUser(userId: string): SshKeyRecord[] {
    return this.stmts.byUser.all(userId).map(toRecord);
  }

  byFingerprint(fingerprint: string): SshKeyRecord | undefined {
    const r = this.stmts.byFingerprint.get(fingerprint);
    return r === undefined ? undefined : toRecord(r);
  }

  markUsed(id: string, now: number): void {
    this.stmts.touch.run(now, id);
  }
}
