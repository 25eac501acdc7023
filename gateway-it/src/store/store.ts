/**
 * The IT gateway's store: everything it keeps in its data directory. One SQLite database (all SQL
 * of the IT gateway lives in this folder: numbered migrations, one class per table group, prepared
 * statements), the gateway's own audit log in that same database (so an action and its audit
 * event commit in one transaction), and the key material under `keys/` and `tls/`: created 0600 at
 * first start, then only read.
 *
 * Guarantees: `createStore` opens the database at the newest schema (or fails naming the
 * migration), and loads or creates every key before it returns; `close` signs a final audit
 * checkpoint and closes the database. Not here: any rule about what may be written (the services
 * decide and audit; a store only keeps rows), and the SSH host key (ssh2 reads it, in ssh/).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { AEAD_KEY_BYTES, generateAeadKey } from '../../../shared/src/crypto/aead.js';
import {
  loadOrCreateSigningKey,
  readSecretFile,
  writeSecretFile,
} from '../../../shared/src/crypto/key-file.js';
import type { SigningKeyPair } from '../../../shared/src/crypto/signing.js';
import { initCrypto } from '../../../shared/src/crypto/sodium.js';
import {
  loadOrCreateTlsIdentity,
  type TlsIdentity,
} from '../../../shared/src/crypto/tls-identity.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import type { ItConfig } from '../config/config.js';
import { AccessRequestStore } from './access-request-store.js';
import { AssetCatalogueStore } from './asset-catalogue-store.js';
import { AuthSessionStore } from './auth-session-store.js';
import { GrantStore } from './grant-store.js';
import { ItsmStore } from './itsm-store.js';
import { openItDatabase } from './it-database.js';
import { LoginThrottleStore } from './login-throttle-store.js';
import { NotifyStore } from './notify-store.js';
import { OtAuditStore } from './ot-audit-store.js';
import { RecordingStore } from './recording-store.js';
import { RecoveryCodeStore } from './recovery-code-store.js';
import { ReviewStore } from './review-store.js';
import { SiteGatewayStore } from './site-gateway-store.js';
import { SitePolicyStore } from './site-policy-store.js';
import { SiteStore } from './site-store.js';
import { SshKeyStore } from './ssh-key-store.js';
import { SshFreshLoginStore } from './ssh-fresh-login-store.js';
import { SsoStore } from './sso-store.js';
import { OwnerApprovalStore } from './owner-approval-store.js';
import { PasskeyStore } from './passkey-store.js';
import { ScimStore } from './scim-store.js';
import { UserStore } from './user-store.js';
import { WindowStore } from './window-store.js';
import { SetupCodeStore } from './setup-code-store.js';

export type {
  AccessRequestStore,
  RequestAssetRow,
  RequestRow,
  RequestStatus,
} from './access-request-store.js';
export type { AssetCatalogueStore } from './asset-catalogue-store.js';
export type { AuthSession, AuthSessionKind, AuthSessionStore } from './auth-session-store.js';
export type { GrantRow, GrantStatus, GrantStore } from './grant-store.js';
export type {
  ItsmCheckOutcome,
  ItsmCheckRow,
  ItsmStore,
  OnUnavailable,
  SiteItsmSettings,
} from './itsm-store.js';
export type { LoginThrottleStore, PairState, ThrottleState } from './login-throttle-store.js';
export type { GrantActivity, OtAuditStore } from './ot-audit-store.js';
export type { RecordingRow, RecordingStatus, RecordingStore } from './recording-store.js';
export { RECORDING_STATUSES } from './recording-store.js';
export type { RecoveryCodeStore } from './recovery-code-store.js';
export type { ReviewRow, ReviewStore } from './review-store.js';
export type { SiteGateway, SiteGatewayStore } from './site-gateway-store.js';
export type { SiteLockdown, SitePolicy, SitePolicyStore } from './site-policy-store.js';
export type { Site, SiteStore } from './site-store.js';
export {
  WEBHOOK_FORMATS,
  type EndingGrant,
  type NotifyStore,
  type SiteWebhook,
  type UserNotifySettings,
  type WebhookFormat,
} from './notify-store.js';
export type { SshKeyRecord, SshKeyStore } from './ssh-key-store.js';
export type { SshFreshLogin, SshFreshLoginStore } from './ssh-fresh-login-store.js';
export type { SsoIdentity, SsoLoginAttempt, SsoStore } from './sso-store.js';
export type { OwnerApprovalStore, StoredOwnerAssertion } from './owner-approval-store.js';
export type {
  ChallengePurpose,
  PasskeyChallenge,
  PasskeyRow,
  PasskeyStore,
} from './passkey-store.js';
export type { ScimGroupRow, ScimStore, ScimUserRow } from './scim-store.js';
export {
  SITE_ROLES,
  type Role,
  type RoleAssignment,
  type User,
  type UserStore,
} from './user-store.js';
export type { ScheduleRow, WindowRow, WindowStore } from './window-store.js';
export type { SetupCodeStore } from './setup-code-store.js';
export { IT_MIGRATIONS } from './it-migrations.js';

/** The gateway's keys, each in its own 0600 file. */
export interface ItKeys {
  /** Signs audit checkpoints and export manifests. */
  readonly audit: SigningKeyPair;
  /** Signs session tickets; its public key is what OT gateways trust. */
  readonly grant: SigningKeyPair;
  /** Encrypts secrets kept in the database (TOTP seeds). */
  readonly secrets: Uint8Array;
  /** The HTTPS certificate and key; OT gateways pin its fingerprint at enrollment. */
  readonly tls: TlsIdentity;
}

export interface ItStore {
  readonly db: Db;
  /** The IT gateway's own hash-chained audit log, in the same database as the state it records. */
  readonly audit: AuditLog;
  readonly keys: ItKeys;
  readonly users: UserStore;
  readonly sites: SiteStore;
  /** Each site's published asset catalogue, as last received over its link. */
  readonly catalogue: AssetCatalogueStore;
  readonly requests: AccessRequestStore;
  readonly grants: GrantStore;
  readonly windows: WindowStore;
  readonly policies: SitePolicyStore;
  readonly authSessions: AuthSessionStore;
  readonly loginThrottle: LoginThrottleStore;
  readonly recoveryCodes: RecoveryCodeStore;
  readonly sshKeys: SshKeyStore;
  /** SSH keys a key + code login made fresh (they log in without a code until then). */
  readonly sshFreshLogins: SshFreshLoginStore;
  /** Enrolled OT gateways and their enrollment tokens. */
  readonly gateways: SiteGatewayStore;
  /** Each OT gateway's audit chain as ingested over the link. */
  readonly otAudit: OtAuditStore;
  readonly recordings: RecordingStore;
  readonly reviews: ReviewStore;
  /** The first admin's one-time set-up code (its hash) while no admin exists. */
  readonly setupCodes: SetupCodeStore;
  /** ITSM settings per site, checks kept with requests, work notes written. */
  readonly itsm: ItsmStore;
  /** SSO identities (issuer + subject → account) and login attempts at providers. */
  readonly sso: SsoStore;
  /** OT owners' assertions over the content they approved (owner-signed sites). */
  readonly ownerApprovals: OwnerApprovalStore;
  /** Passkeys (WebAuthn credentials) and the challenges handed to browsers. */
  readonly passkeys: PasskeyStore;
  /** Users, groups and memberships identity providers manage through SCIM. */
  readonly scim: ScimStore;
  /** E-mail addresses and preferences, site webhooks, once-only notices. */
  readonly notify: NotifyStore;
  /** Signs a final audit checkpoint, then closes the database. */
  close(): void;
}

export interface StoreDeps {
  readonly config: Pick<ItConfig, 'dataDir' | 'tls' | 'audit'>;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

/** Where the portal's certificate and key are: the config's, or the self-signed pair in the data directory. */
export function tlsPathsOf(config: Pick<ItConfig, 'dataDir' | 'tls'>): {
  certFile: string;
  keyFile: string;
} {
  return {
    certFile: config.tls.certFile ?? join(config.dataDir, 'tls', 'it-gateway.crt'),
    keyFile: config.tls.keyFile ?? join(config.dataDir, 'tls', 'it-gateway.key'),
  };
}

/** Where the audit signing key lives (the CLI's `audit-key` prints its public half). */
export function auditKeyPath(dataDir: string): string {
  return join(dataDir, 'keys', 'audit-signing.key');
}

function loadOrCreateAeadKey(path: string): Uint8Array {
  if (!existsSync(path)) writeSecretFile(path, generateAeadKey());
  return readSecretFile(path, AEAD_KEY_BYTES);
}

export async function createStore(deps: StoreDeps): Promise<ItStore> {
  const { config, clock, ids } = deps;
  await initCrypto();
  const keysDir = join(config.dataDir, 'keys');
  const keys: ItKeys = {
    audit: loadOrCreateSigningKey(auditKeyPath(config.dataDir)),
    grant: loadOrCreateSigningKey(join(keysDir, 'grant-signing.key')),
    secrets: loadOrCreateAeadKey(join(keysDir, 'secrets.key')),
    tls: await loadOrCreateTlsIdentity({
      certPath: tlsPathsOf(config).certFile,
      keyPath: tlsPathsOf(config).keyFile,
      hostnames: config.tls.hostnames,
      commonName: 'airlock-it',
    }),
  };
  const db = openItDatabase(config.dataDir);
  const audit = new AuditLog({
    db,
    clock,
    ids,
    signingKey: keys.audit,
    checkpointEvery: config.audit.checkpointEvery,
    checkpointIntervalMs: config.audit.checkpointIntervalSeconds * 1000,
  });
  return {
    db,
    audit,
    keys,
    users: new UserStore(db),
    sites: new SiteStore(db),
    catalogue: new AssetCatalogueStore(db),
    requests: new AccessRequestStore(db),
    grants: new GrantStore(db),
    windows: new WindowStore(db),
    policies: new SitePolicyStore(db),
    authSessions: new AuthSessionStore(db),
    loginThrottle: new LoginThrottleStore(db),
    recoveryCodes: new RecoveryCodeStore(db),
    sshKeys: new SshKeyStore(db),
    sshFreshLogins: new SshFreshLoginStore(db),
    gateways: new SiteGatewayStore(db),
    otAudit: new OtAuditStore(db),
    recordings: new RecordingStore(db),
    reviews: new ReviewStore(db),
    setupCodes: new SetupCodeStore(db),
    itsm: new ItsmStore(db),
    sso: new SsoStore(db),
    ownerApprovals: new OwnerApprovalStore(db),
    passkeys: new PasskeyStore(db),
    scim: new ScimStore(db),
    notify: new NotifyStore(db),
    close() {
      audit.close();
      db.close();
    },
  };
}
