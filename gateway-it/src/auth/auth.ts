/**
 * Identity on the IT gateway: local accounts with password and TOTP (or recovery codes) or
 * passkeys (passwordless, or as the second factor), login throttling and account locks, portal
 * sessions and API tokens, users' SSH public keys, and user and site administration. Every login
 * path (portal, API, SSH, passkey) goes through the same LoginService, so the same password,
 * second-factor, throttle and account checks apply to each.
 *
 * Guarantees: secrets are stored only as hashes (passwords, session secrets, recovery codes) or
 * encrypted under the secrets key (TOTP seeds); passkeys only as public keys; every login, failure, lock and administrative
 * change is audited in the transaction that makes it; a disabled account or a vendor past their
 * contract end cannot log in and loses its sessions. While running (`start`), old throttle
 * counters are pruned hourly. Not here: what a user may reach (access/), and roles as policy
 * (access/visibility.ts reads them).
 */
import type { Clock, TimerHandle } from '../../../shared/src/clock.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type { ItConfig } from '../config/config.js';
import type { ItStore } from '../store/store.js';
import { createPasswordPool, type PasswordPool } from '../../../shared/src/crypto/password-pool.js';
import { LoginFlows } from './login-flows.js';
import { LoginService } from './login-service.js';
import { LoginThrottle } from './login-throttle.js';
import { PasskeyLogin } from './passkey-login.js';
import { PasskeyService } from './passkeys.js';
import { relyingPartyFor } from '../../../shared/src/webauthn/webauthn.js';
import { SessionService } from './session-service.js';
import { SshKeyService } from './ssh-keys.js';
import { UserAdmin } from './user-admin.js';

export { accountRefusal, contractEndsAt, type AccountRefusal } from './account-status.js';
export type {
  AnyFirstFactor,
  FirstFactor,
  LoginService,
  MfaMethod,
  OidcFirstFactor,
  LoginVia,
  RejectedKeys,
  SecondFactor,
  SecondFactorMethod,
} from './login-service.js';
export type { AccountChange, AccountChanges } from './account-changes.js';
export type { LoginFlows, LoginStart } from './login-flows.js';
export type { PasskeyLogin } from './passkey-login.js';
export { requiresUserVerification, type PasskeyService, type PasskeyView } from './passkeys.js';
export type { LoginThrottle } from './login-throttle.js';
export type { IssuedSession, SessionService } from './session-service.js';
export { sshFingerprint, type SshKeyService, type SshKeyView } from './ssh-keys.js';
export {
  parseRoleAssignment,
  USER_NAME_PATTERN,
  type DisableListener,
  type PreparedUser,
  type UserAdmin,
} from './user-admin.js';

export interface Auth {
  readonly sessions: SessionService;
  readonly throttle: LoginThrottle;
  /** Password and second-factor checks shared by every login path (portal, API, SSH). */
  readonly login: LoginService;
  readonly flows: LoginFlows;
  /** Users' passkeys: registration, names, revocation, the challenges of every ceremony. */
  readonly passkeys: PasskeyService;
  /** Passwordless passkey login (the second-factor step is in `flows`). */
  readonly passkeyLogin: PasskeyLogin;
  readonly userAdmin: UserAdmin;
  /** Users' SSH public keys for the native SSH endpoint. */
  readonly sshKeys: SshKeyService;
  /** argon2id hashing and verification on worker threads (never on the event loop). */
  readonly passwords: PasswordPool;
  /** Starts the hourly pruning of old throttle counters. */
  start(): void;
  /** Stops the pruning and ends the password threads (checks still waiting fail `unavailable`). */
  stop(): void;
}

export interface AuthDeps {
  readonly config: Pick<ItConfig, 'auth' | 'http'>;
  readonly store: Pick<
    ItStore,
    | 'db'
    | 'audit'
    | 'keys'
    | 'users'
    | 'sites'
    | 'authSessions'
    | 'loginThrottle'
    | 'recoveryCodes'
    | 'sshKeys'
    | 'passkeys'
  >;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

/** The name authenticator apps show next to the account (the otpauth:// issuer). */
const ISSUER = 'Airlock';
const PRUNE_EVERY_MS = 3_600_000;

export function createAuth(deps: AuthDeps): Auth {
  const { store, clock, ids } = deps;
  const config = deps.config.auth;
  const { db, audit, users, sites } = store;
  const recovery = store.recoveryCodes;
  const secretsKey = store.keys.secrets;
  const throttle = new LoginThrottle(store.loginThrottle, {
    lockoutThreshold: config.lockoutThreshold,
    lockoutWindowMs: config.lockoutWindowMinutes * 60_000,
    lockoutMs: config.lockoutMinutes * 60_000,
    sourceFailureLimit: config.sourceFailureLimit,
    sourceWindowMs: config.sourceWindowMinutes * 60_000,
    backoffAfterFailures: config.backoffAfterFailures,
    backoffBaseMs: config.backoffBaseSeconds * 1000,
    backoffMaxMs: config.backoffMaxMinutes * 60_000,
    knownSourceMs: config.knownSourceDays * 86_400_000,
  });
  const passwords = createPasswordPool({
    ...(config.passwordWorkers === undefined ? {} : { workers: config.passwordWorkers }),
    maxQueued: config.passwordQueue,
  });
  const sessions = new SessionService({
    db,
    sessions: store.authSessions,
    users,
    audit,
    clock,
    ids,
    limits: {
      idleMs: config.sessionIdleMinutes * 60_000,
      absoluteMs: config.sessionAbsoluteHours * 3_600_000,
      tokenTtlMs: config.tokenTtlMinutes * 60_000,
    },
  });
  const login = new LoginService({
    db,
    audit,
    users,
    recovery,
    throttle,
    clock,
    secretsKey,
    driftSteps: config.totpDriftSteps,
    passwords,
    checksPerSource: config.passwordChecksPerSource,
  });
  const rp = relyingPartyFor(
    deps.config.http.publicUrl ?? `https://localhost:${deps.config.http.port}`,
    ISSUER,
  );
  const passkeys = new PasskeyService({
    db,
    audit,
    passkeys: store.passkeys,
    clock,
    ids,
    rp: rp.ok ? rp.value : { unavailable: rp.error },
  });
  const passkeyLogin = new PasskeyLogin({
    db,
    audit,
    users,
    store: store.passkeys,
    passkeys,
    login,
    sessions,
    clock,
  });
  const flows = new LoginFlows({
    db,
    audit,
    users,
    recovery,
    login,
    sessions,
    clock,
    secretsKey,
    issuer: ISSUER,
    driftSteps: config.totpDriftSteps,
    passkeys,
    passkeyLogin,
  });
  const userAdmin = new UserAdmin({
    db,
    audit,
    users,
    sites,
    clock,
    ids,
    secretsKey,
    issuer: ISSUER,
    recovery,
    throttle,
    sessions,
    passwords,
    sshKeys: store.sshKeys,
  });
  const sshKeys = new SshKeyService({ db, audit, keys: store.sshKeys, clock, ids });
  let pruneTimer: TimerHandle | undefined;
  return {
    sessions,
    throttle,
    login,
    flows,
    passkeys,
    passkeyLogin,
    userAdmin,
    sshKeys,
    passwords,
    start() {
      pruneTimer ??= clock.setInterval(() => throttle.prune(clock.now()), PRUNE_EVERY_MS);
    },
    stop() {
      pruneTimer?.cancel();
      pruneTimer = undefined;
      void passwords.close();
    },
  };
}
