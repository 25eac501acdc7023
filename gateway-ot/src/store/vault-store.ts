/**
 * SQL for the vault's sealed secrets. Stores and returns sealed bytes only: it never sees a key
 * or a plaintext, so nothing here can leak one.
 */
import type { Db } from '../../../shared/src/store/open-database.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export type SecretKind = 'password' | 'private-key';
export type PendingState = 'rotating' | 'unknown';

export interface SealedSecretRow {
  readonly asset: string;
  readonly account: string;
  readonly kind: SecretKind;
  readonly sealed: Buffer;
  readonly pending: Buffer | null;
  readonly pendingState: PendingState | null;
  readonly pendingSince: number | null;
  readonly version: number;
  readonly updatedAt: number;
  readonly rotatedAt: number | null;
}

interface Row {
  asset: string;
  account: string;
  kind: string;
  sealed: Buffer;
  pending: Buffer | null;
  pending_state: string | null;
  pending_since: number | null;
  version: number;
  updated_at: number;
  rotated_at: number | null;
}

const toRow = (r: Row): SealedSecretRow => ({
  asset: r.asset,
  account: r.account,
  kind: r.kind === 'private-key' ? 'private-key' : 'password',
  sealed: r.sealed,
  pending: r.pending,
  pendingState:
    r.pending_state === 'rotating' || r.pending_state === 'unknown' ? r.pending_state : null,
  pendingSince: r.pending_since,
  version: r.version,
  updatedAt: r.updated_at,
  rotatedAt: r.rotated_at,
});

export interface VaultStore {
  get(asset: string, account: string): SealedSecretRow | undefined;
  list(): SealedSecretRow[];
  /** Replaces the secret (and drops any pending one). */
  put(asset: string, account: string, kind: SecretKind, sealed: Uint8Array, now: number): void;
  /** Stages a pending secret only when none is staged (one rotation at a time, across processes); false otherwise. */
  setPending(
    asset: string,
    account: string,
    pending: Uint8Array,
    state: PendingState,
    now: number,
  ): boolean;
  markPending(asset: string, account: string, state: PendingState): void;
  clearPending(asset: string, account: string, now: number): void;
  /** The pending secret becomes the committed one. */
  commitPending(asset: string, account: string, now: number): boolean;
  remove(asset: string, account: string): boolean;
  /** Runs fn in one write transaction (writeTransaction: begun IMMEDIATE; nests as a savepoint). */
  atomically<T>(fn: () => T): T;
}

export function createVaultStore(db: Db): VaultStore {
  const s = {
    get: db.prepare<[string, string], Row>(
      'SELECT * FROM vault_secrets WHERE asset = ? AND account = ?',
    ),
    list: db.prepare<[], Row>('SELECT * FROM vault_secrets ORDER BY asset, account'),
    put: db.prepare(
      `INSERT INTO vault_secrets (asset, account, kind, sealed, pending, version, updated_at, rotated_at) VALUES (?, ?, ?, ?, NULL, 1, ?, NULL)
       ON CONFLICT (asset, account) DO UPDATE SET kind = excluded.kind, sealed = excluded.sealed, pending = NULL, pending_state = NULL, pending_since = NULL, version = version + 1, updated_at = excluded.updated_at`,
    ),
    setPending: db.prepare(
      'UPDATE vault_secrets SET pending = ?, pending_state = ?, pending_since = ?, updated_at = ? WHERE asset = ? AND account = ? AND pending IS NULL',
    ),
    markPending: db.prepare(
      'UPDATE vault_secrets SET pending_state = ? WHERE asset = ? AND account = ? AND pending IS NOT NULL',
    ),
    clearPending: db.prepare(
      'UPDATE vault_secrets SET pending = NULL, pending_state = NULL, pending_since = NULL, updated_at = ? WHERE asset = ? AND account = ?',
    ),
    commit: db.prepare(
      'UPDATE vault_secrets SET sealed = pending, pending = NULL, pending_state = NULL, pending_since = NULL, version = version + 1, updated_at = ?, rotated_at = ? WHERE asset = ? AND account = ? AND pending IS NOT NULL',
    ),
    remove: db.prepare('DELETE FROM vault_secrets WHERE asset = ? AND account = ?'),
  };
  return {
    get: (asset, account) => {
      const r = s.get.get(asset, account);
      return r === undefined ? undefined : toRow(r);
    },
    list: () => s.list.all().map(toRow),
    put: (asset, account, kind, sealed, now) =>
      void s.put.run(asset, account, kind, Buffer.from(sealed), now),
    setPending: (asset, account, pending, state, now) =>
      s.setPending.run(Buffer.from(pending), state, now, now, asset, account).changes === 1,
    markPending: (asset, account, state) => void s.markPending.run(state, asset, account),
    clearPending: (asset, account, now) => void s.clearPending.run(now, asset, account),
    commitPending: (asset, account, now) => s.commit.run(now, now, asset, account).changes === 1,
    remove: (asset, account) => s.remove.run(asset, account).changes === 1,
    atomically: (fn) => writeTransaction(db, fn)(),
  };
}
