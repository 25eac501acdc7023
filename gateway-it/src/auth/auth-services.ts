/** Builds the identity services once (called by the composition root). */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import type { ItConfig } from '../config/it-config.js';
import { AuthSessionStore } from '../store/auth-session-store.js';
import { LoginThrottleStore } from '../store/login-throttle-store.js';
import { RecoveryCodeStore } from '../store/recovery-code-store.js';
import type { SiteStore } from '../store/site-store.js';
import type { UserStore } from '../store/user-store.js';
import { LoginFlows } from './login-flows.js';
import { LoginService } from './login-service.js';
import { LoginThrottle } from './login-throttle.js';
import { SessionService } from './session-service.js';
import { UserAdmin } from './user-admin.js';
import { SshKeyStore } from '../store/ssh-key-store.js';
import { SshKeyService } from './ssh-keys.js';

export interface AuthServices {
  readonly sessions: SessionService;
  readonly throttle: LoginThrottle;
  /** Password and second-factor checks shared by every login path (portal, API, SSH). */
  readonly login: LoginService;
  readonly flows: LoginFlows;
  readonly userAdmin: UserAdmin;
  /** Users' SSH public keys for the native SSH endpoint. */
  readonly sshKeys: SshKeyService;
}

export interface AuthDeps {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly users: UserStore;
  readonly sites: SiteStore;
  readonly secretsKey: Uint8Array;
  readonly issuer: string;
  readonly config: ItConfig['auth'];
}

export function createAuthServices(deps: AuthDeps): AuthServices {
  const { db, audit, clock, ids, users, sites, secretsKey, issuer, config } = deps;
  const recovery = new RecoveryCodeStore(db);
  const throttle = new LoginThrottle(new LoginThrottleStore(db), {
    lockoutThreshold: config.lockoutThreshold,
    lockoutWindowMs: config.lockoutWindowMinutes * 60_000,
    lockoutMs: config.lockoutMinutes * 60_000,
    sourceFailureLimit: config.sourceFailureLimit,
    sourceWindowMs: config.sourceWindowMinutes * 60_000,
  });
  const sessions = new SessionService({
    db,
    sessions: new AuthSessionStore(db),
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
    issuer,
    driftSteps: config.totpDriftSteps,
  });
  const userAdmin = new UserAdmin({
    db,
    audit,
    users,
    sites,
    clock,
    ids,
    secretsKey,
    issuer,
    recovery,
    throttle,
    sessions,
  });
  const sshKeys = new SshKeyService({ db, audit, keys: new SshKeyStore(db), clock, ids });
  return { sessions, throttle, login, flows, userAdmin, sshKeys };
}
