/**
 * The vault subsystem: target credentials (passwords, private keys) and their rotation. Secrets
 * stay on the OT side, sealed (XChaCha20-Poly1305) under a master key kept in a 0600 file outside
 * the database; they leave the vault only as Buffers in a session's lease, zeroed at check-in.
 *
 * Guarantees: a check-out is audited before anything is decrypted, a set or a rotation commit in
 * the same transaction as the change; a secret never reaches logs, audit details, link frames or
 * errors. Rotation is two-phase (set the new password on the target, verify a login with it, then
 * commit), so a failed rotation never locks the plant out; it runs on check-in (when the policy
 * asks), after every break-glass session, on its schedule (once started) and on demand.
 * Not here: how a password is set on a target. A protocol that can (SSH) implements RotationTarget
 * for its assets; the composition root hands the registered protocols in (`protocols`).
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import type { Logger } from '../../../shared/src/log.js';
import type { LocalPolicy } from '../policy/policy.js';
import type { VaultStore } from '../store/store.js';
import { openVault, type Vault } from './credential-vault.js';
import { createRotation, type Rotation } from './rotation.js';
import { rotationTargetOf, type RotationProtocol } from './rotation-targets.js';

export type {
  CheckOutRequest,
  CredentialLease,
  CredentialSource,
  VaultSecret,
  VaultSecretKind,
} from './credential-lease.js';
export type { CheckInNotice, RotationView, Vault, VaultEntry } from './credential-vault.js';
export type {
  LoginOutcome,
  Rotation,
  RotationResult,
  RotationTarget,
  RotationTrigger,
  SetOutcome,
} from './rotation.js';
export type { RotationProtocol } from './rotation-targets.js';
/** Read before anything is opened, so a bad key file stops the gateway with nothing to undo. */
export { loadOrCreateVaultKey } from './credential-vault.js';

export interface VaultDeps {
  readonly store: VaultStore;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly log: Logger;
  readonly site: string;
  /** The master key (loadOrCreateVaultKey); the vault never writes it anywhere. */
  readonly masterKey: Uint8Array;
  /** The assets whose accounts may rotate: the policy in force (a reload applies to the next rotation). */
  readonly policy: () => LocalPolicy;
  /** The registered protocols: each says how (and whether) its assets' passwords rotate. */
  readonly protocols: readonly RotationProtocol[];
}

export interface OtVault {
  /** The sealed credentials: set, list, check out for a session. */
  readonly credentials: Vault;
  /** Password rotation; its schedule runs between `start()` and `stop()`. */
  readonly rotation: Rotation;
}

export function createVault(deps: VaultDeps): OtVault {
  const { audit, clock, site, policy } = deps;
  const credentials = openVault({
    store: deps.store,
    audit,
    clock,
    site,
    masterKey: deps.masterKey,
  });
  const rotation = createRotation({
    vault: credentials,
    audit,
    clock,
    log: deps.log,
    site,
    targetOf: (asset) => rotationTargetOf(policy(), deps.protocols, asset),
    assets: () => Object.keys(policy().assets),
  });
  credentials.onCheckIn((n) => rotation.onCheckIn(n));
  return { credentials, rotation };
}
