/**
 * The OT vault: target credentials sealed with XChaCha20-Poly1305 under a master key that lives in
 * a 0600 file outside the database (created on first start, refused if group or others can read
 * it). Associated data binds each sealed secret to its asset, account and kind, so a row copied
 * onto another asset does not open. Secrets leave the vault only as Buffers in a lease, are zeroed
 * at check-in, and never reach logs, audit details or errors.
 *
 * "No audit, no action": a check-out is recorded before anything is decrypted; a set or a rotation
 * commit is recorded in the same transaction as the change.
 *
 * Rotation support (the protocol-specific part lives with the protocol): a new secret is staged as
 * `pending` before it is set on the target; a check-out then offers the committed secret and the
 * pending one, and whichever the target accepts becomes (or stays) the committed one.
 */
import { existsSync } from 'node:fs';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import {
  AEAD_KEY_BYTES,
  generateAeadKey,
  openSecret,
  sealSecret,
  wipe,
} from '../../../shared/src/crypto/aead.js';
import { readSecretFile, writeSecretFile } from '../../../shared/src/crypto/key-file.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { SecretKind, VaultStore } from '../store/store.js';
import type {
  CheckOutRequest,
  CredentialLease,
  CredentialSource,
  VaultSecret,
} from './credential-lease.js';

export interface VaultEntry {
  readonly asset: string;
  readonly account: string;
  readonly kind: SecretKind;
  readonly version: number;
  readonly updatedAt: number;
  readonly rotatedAt: number | null;
  /** A rotation's outcome on the target is not known yet: both secrets are tried at the next check-out. */
  readonly hasPending: boolean;
}

export interface CheckInNotice {
  readonly asset: string;
  readonly account: string;
  readonly sessionId: string;
  readonly breakGlass: boolean;
}

export interface Vault extends CredentialSource {
  set(input: {
    asset: string;
    account: string;
    kind: SecretKind;
    secret: Uint8Array;
    actor: string;
  }): void;
  list(): VaultEntry[];
  has(asset: string, account: string): boolean;
  /** Called after each check-in (the rotation scheduler listens). */
  onCheckIn(listener: (n: CheckInNotice) => void): void;
  /** The committed secret, for the gateway's own use (a rotation account); audited as a check-out. Caller wipes it. */
  checkOutForRotation(asset: string, account: string, purpose: string): VaultSecret;
  /**
   * Stages a new secret as pending, state `rotating` (before it is set on the target). Throws
   * `vault.rotation_in_progress` when a pending secret is already staged (another rotation, maybe in
   * another process, or an outcome still to be settled): never two rotations of one account at once.
   */
  stagePending(asset: string, account: string, secret: Uint8Array): void;
  /**
   * For a rotation that must first settle an earlier one: the committed secret and the pending one
   * (if any) with its state; `stale` when a `rotating` pending was left by a rotation that never
   * finished. Audited as a check-out. Caller wipes the secrets.
   */
  readForRotation(asset: string, account: string, purpose: string): RotationView;
  /** The rotation could not tell whether the target took the pending secret: the next login decides. */
  markPendingUnknown(asset: string, account: string): void;
  /** The target now has the pending secret: it becomes the committed one. Audited `vault.rotate` success in the same transaction. */
  commitPending(
    asset: string,
    account: string,
    actor: string,
    details: Record<string, unknown>,
  ): void;
  /** The target still has the committed secret: the pending one is dropped. */
  dropPending(asset: string, account: string): void;
}

export interface RotationView {
  readonly committed: VaultSecret;
  readonly pending:
    | {
        readonly secret: VaultSecret;
        readonly state: 'rotating' | 'unknown';
        readonly stale: boolean;
      }
    | undefined;
}

export interface VaultDeps {
  /** The vault's table (sealed secrets only: the master key never reaches the database). */
  readonly store: VaultStore;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly site: string;
  readonly masterKey: Uint8Array;
}

/** Loads the vault master key, creating it (0600) when absent; refuses a file group or others can read. */
export function loadOrCreateVaultKey(path: string): Uint8Array {
  if (!existsSync(path)) writeSecretFile(path, generateAeadKey());
  return readSecretFile(path, AEAD_KEY_BYTES);
}

/** A `rotating` pending secret older than this was left by a rotation that never finished (a crash). */
const STALE_ROTATION_MS = 10 * 60_000;

const associatedData = (asset: string, account: string, kind: SecretKind): string =>
  `airlock/vault/v1/${asset}/${account}/${kind}`;

/** A Buffer over the same memory, so wiping one wipes the other. */
const asBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

export function openVault(deps: VaultDeps): Vault {
  const { store } = deps;
  const listeners: ((n: CheckInNotice) => void)[] = [];
  const { audit, clock, site, masterKey } = deps;
  const gateway = `system:ot:${site}`;

  const unseal = (
    sealed: Uint8Array,
    asset: string,
    account: string,
    kind: SecretKind,
  ): VaultSecret => ({
    kind,
    bytes: asBuffer(openSecret(sealed, masterKey, associatedData(asset, account, kind))),
  });
  const mustGet = (asset: string, account: string) => {
    const row = store.get(asset, account);
    if (row === undefined)
      throw new AirlockError(
        'not_found',
        'vault.no_secret',
        `the vault holds no credential for ${account} on ${asset} (set one with airlock-ot vault-set)`,
      );
    return row;
  };

  const vault: Vault = {
    set({ asset, account, kind, secret, actor }) {
      if (secret.length === 0)
        throw new AirlockError('bad_request', 'vault.empty_secret', 'the secret is empty');
      const sealed = sealSecret(secret, masterKey, associatedData(asset, account, kind));
      store.atomically(() => {
        const replaced = store.get(asset, account) !== undefined;
        store.put(asset, account, kind, sealed, clock.now());
        audit.append({
          action: 'vault.set',
          actor,
          site,
          target: asset,
          outcome: 'success',
          details: { account, kind, replaced },
        });
      });
    },
    list: () =>
      store.list().map((r) => ({
        asset: r.asset,
        account: r.account,
        kind: r.kind,
        version: r.version,
        updatedAt: r.updatedAt,
        rotatedAt: r.rotatedAt,
        hasPending: r.pending !== null,
      })),
    has: (asset, account) => store.get(asset, account) !== undefined,
    onCheckIn(listener) {
      listeners.push(listener);
    },
    checkOut(req: CheckOutRequest): CredentialLease {
      const row = mustGet(req.asset, req.account);
      audit.append({
        action: 'vault.checkout',
        actor: req.user,
        site,
        target: req.asset,
        outcome: 'success',
        details: {
          account: req.account,
          sessionId: req.sessionId,
          version: row.version,
          candidates: row.pending === null ? 1 : 2,
        },
      });
      const candidates: VaultSecret[] = [unseal(row.sealed, req.asset, req.account, row.kind)];
      if (row.pending !== null)
        candidates.push(unseal(row.pending, req.asset, req.account, row.kind));
      let checkedIn = false;
      return {
        asset: req.asset,
        account: req.account,
        candidates,
        confirm(index) {
          // A rotation in progress owns its pending secret; only an abandoned or uncertain one is settled by a login.
          const settle =
            row.pendingState === 'unknown' ||
            (row.pendingState === 'rotating' &&
              clock.now() - (row.pendingSince ?? 0) > STALE_ROTATION_MS);
          if (row.pending === null || checkedIn || !settle) return;
          if (index === 1)
            vault.commitPending(req.asset, req.account, gateway, {
              confirmedBy: 'login',
              sessionId: req.sessionId,
            });
          else if (index === 0) vault.dropPending(req.asset, req.account);
        },
        checkIn() {
          if (checkedIn) return;
          checkedIn = true;
          for (const c of candidates) wipe(c.bytes);
          audit.append({
            action: 'vault.checkin',
            actor: req.user,
            site,
            target: req.asset,
            outcome: 'success',
            details: { account: req.account, sessionId: req.sessionId },
          });
          for (const l of listeners)
            l({
              asset: req.asset,
              account: req.account,
              sessionId: req.sessionId,
              breakGlass: req.breakGlass,
            });
        },
      };
    },
    checkOutForRotation(asset, account, purpose) {
      const row = mustGet(asset, account);
      audit.append({
        action: 'vault.checkout',
        actor: gateway,
        site,
        target: asset,
        outcome: 'success',
        details: { account, purpose, version: row.version },
      });
      return unseal(row.sealed, asset, account, row.kind);
    },
    stagePending(asset, account, secret) {
      const row = mustGet(asset, account);
      if (
        !store.setPending(
          asset,
          account,
          sealSecret(secret, masterKey, associatedData(asset, account, row.kind)),
          'rotating',
          clock.now(),
        )
      ) {
        throw new AirlockError(
          'conflict',
          'vault.rotation_in_progress',
          `a rotation of ${account} on ${asset} is already under way or its outcome is not settled yet`,
        );
      }
    },
    readForRotation(asset, account, purpose) {
      const row = mustGet(asset, account);
      audit.append({
        action: 'vault.checkout',
        actor: gateway,
        site,
        target: asset,
        outcome: 'success',
        details: {
          account,
          purpose,
          version: row.version,
          candidates: row.pending === null ? 1 : 2,
        },
      });
      const committed = unseal(row.sealed, asset, account, row.kind);
      if (row.pending === null || row.pendingState === null)
        return { committed, pending: undefined };
      const stale =
        row.pendingState === 'rotating' &&
        clock.now() - (row.pendingSince ?? 0) > STALE_ROTATION_MS;
      return {
        committed,
        pending: {
          secret: unseal(row.pending, asset, account, row.kind),
          state: row.pendingState,
          stale,
        },
      };
    },
    markPendingUnknown(asset, account) {
      store.markPending(asset, account, 'unknown');
    },
    commitPending(asset, account, actor, details) {
      store.atomically(() => {
        if (!store.commitPending(asset, account, clock.now()))
          throw new AirlockError(
            'conflict',
            'vault.no_pending',
            `no pending secret for ${account} on ${asset}`,
          );
        audit.append({
          action: 'vault.rotate',
          actor,
          site,
          target: asset,
          outcome: 'success',
          details: { account, ...details },
        });
      });
    },
    dropPending(asset, account) {
      store.clearPending(asset, account, clock.now());
    },
  };
  return vault;
}
