/** OT owners' pending enrollments and enrolled passkeys (SQLite, prepared statements). */
import type { Db } from '../../../shared/src/store/open-database.js';

export interface PendingOwnerEnrollment {
  readonly owner: string;
  readonly challenge: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly failures: number;
}

export interface OwnerKeyRow {
  readonly credentialId: string;
  readonly owner: string;
  readonly publicKey: Uint8Array;
  readonly rpId: string;
  readonly origin: string;
  readonly counter: number;
  readonly enrolledAt: number;
  readonly lastUsedAt: number | null;
}

interface KeyRecord {
  credential_id: string;
  owner: string;
  public_key: Buffer;
  rp_id: string;
  origin: string;
  counter: number;
  enrolled_at: number;
  last_used_at: number | null;
}

const toRow = (r: KeyRecord): OwnerKeyRow => ({
  credentialId: r.credential_id,
  owner: r.owner,
  publicKey: new Uint8Array(r.public_key),
  rpId: r.rp_id,
  origin: r.origin,
  counter: r.counter,
  enrolledAt: r.enrolled_at,
  lastUsedAt: r.last_used_at,
});

export interface OwnerKeyStore {
  putPending(p: Omit<PendingOwnerEnrollment, 'failures'>): void;
  pending(owner: string): PendingOwnerEnrollment | undefined;
  /** Counts a refused completion; returns the new count. */
  countFailure(owner: string): number;
  deletePending(owner: string): void;
  insertKey(k: Omit<OwnerKeyRow, 'lastUsedAt'>): void;
  key(credentialId: string): OwnerKeyRow | undefined;
  keys(): OwnerKeyRow[];
  /** Raises the stored counter (never lowers it) and records the use. */
  recordUse(credentialId: string, counter: number, at: number): void;
  /** Removes every key and pending enrollment of `owner`; returns how many keys went. */
  removeOwner(owner: string): number;
}

export function createOwnerKeyStore(db: Db): OwnerKeyStore {
  const s = {
    putPending: db.prepare(
      `INSERT INTO owner_enrollments (owner, challenge, created_at, expires_at, failures)
       VALUES (?, ?, ?, ?, 0)
       ON CONFLICT (owner) DO UPDATE SET challenge = excluded.challenge,
         created_at = excluded.created_at, expires_at = excluded.expires_at, failures = 0`,
    ),
    pending: db.prepare<
      [string],
      { owner: string; challenge: string; created_at: number; expires_at: number; failures: number }
    >('SELECT * FROM owner_enrollments WHERE owner = ?'),
    fail: db.prepare<[string], { failures: number }>(
      'UPDATE owner_enrollments SET failures = failures + 1 WHERE owner = ? RETURNING failures',
    ),
    deletePending: db.prepare('DELETE FROM owner_enrollments WHERE owner = ?'),
    insertKey: db.prepare(
      `INSERT INTO owner_keys (credential_id, owner, public_key, rp_id, origin, counter, enrolled_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    key: db.prepare<[string], KeyRecord>('SELECT * FROM owner_keys WHERE credential_id = ?'),
    keys: db.prepare<[], KeyRecord>('SELECT * FROM owner_keys ORDER BY owner, enrolled_at'),
    use: db.prepare(
      'UPDATE owner_keys SET counter = max(counter, ?), last_used_at = ? WHERE credential_id = ?',
    ),
    removeKeys: db.prepare('DELETE FROM owner_keys WHERE owner = ?'),
  };
  return {
    putPending: (p) => s.putPending.run(p.owner, p.challenge, p.createdAt, p.expiresAt),
    pending(owner) {
      const r = s.pending.get(owner);
      return r === undefined
        ? undefined
        : {
            owner: r.owner,
            challenge: r.challenge,
            createdAt: r.created_at,
            expiresAt: r.expires_at,
            failures: r.failures,
          };
    },
    countFailure: (owner) => s.fail.get(owner)?.failures ?? 0,
    deletePending: (owner) => void s.deletePending.run(owner),
    insertKey: (k) =>
      void s.insertKey.run(
        k.credentialId,
        k.owner,
        Buffer.from(k.publicKey),
        k.rpId,
        k.origin,
        k.counter,
        k.enrolledAt,
      ),
    key(credentialId) {
      const r = s.key.get(credentialId);
      return r === undefined ? undefined : toRow(r);
    },
    keys: () => s.keys.all().map(toRow),
    recordUse: (id, counter, at) => void s.use.run(counter, at, id),
    removeOwner(owner) {
      s.deletePending.run(owner);
      return s.removeKeys.run(owner).changes;
    },
  };
}
