/**
 * The end of a login: after every factor passed, the failure count is cleared and the login is
 * audited with how each factor was proven (`mfa.verify` and `auth.login`, plus the caller's
 * events) in one transaction, so a session issued in the caller's transaction never exists
 * without its record. Also the audit of SSH keys a connection offered that did not get it in.
 */
import type { AuditEventInput } from '../../../shared/src/audit/audit-event.js';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import type { User, UserStore } from '../store/store.js';
import type { LoginThrottle } from './login-throttle.js';
import type { AnyFirstFactor, LoginVia, MfaMethod, RejectedKeys } from './login-service.js';
import { USER_NAME_PATTERN } from './user-admin.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export interface LoginCompletionDeps {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly users: UserStore;
  readonly throttle: LoginThrottle;
  readonly clock: Clock;
}

/** The first factor's fields in an `auth.login` event. */
export function firstFactorDetails(first: AnyFirstFactor): Record<string, unknown> {
  switch (first.method) {
    case 'password':
      return { firstFactor: 'password' };
    case 'publickey':
      return { firstFactor: 'publickey', keyFingerprint: first.keyFingerprint };
    case 'passkey':
      return { firstFactor: 'passkey', passkeyId: first.passkeyId, passkeyName: first.passkeyName };
    case 'oidc':
      return {
        firstFactor: 'oidc',
        method: 'oidc',
        provider: first.provider,
        issuer: first.issuer,
        subject: first.subject,
        amr: first.amr,
        acr: first.acr,
      };
    default: {
      const never: never = first;
      return never;
    }
  }
}

/** The earlier key + code login that made a public key fresh (ssh-fresh-logins). */
export interface FreshKeyLogin {
  readonly keyFingerprint: string;
  readonly verifiedAt: number;
  readonly freshUntil: number;
}

export class LoginCompletion {
  constructor(private readonly deps: LoginCompletionDeps) {}

  /**
   * Public keys a connection offered that did not get it in, as ONE event when the connection
   * ends unauthenticated (clients offer every key they hold: a row per key would let one
   * connection write thousands). Not counted as failed guesses: offering a key is not one.
   */
  auditRejectedKeys(rejected: RejectedKeys, source: string, via: LoginVia): void {
    const user = USER_NAME_PATTERN.test(rejected.name)
      ? this.deps.users.getByName(rejected.name)
      : undefined;
    this.deps.audit.append({
      action: 'auth.login',
      actor: user?.name ?? 'anonymous',
      target: user?.name ?? null,
      outcome: 'failure',
      details: {
        via,
        source,
        firstFactor: 'publickey',
        reason: rejected.badSignatures > 0 ? 'bad-signature' : 'key-not-accepted',
        keysRejected: rejected.keys,
        badSignatures: rejected.badSignatures,
        keyFingerprints: rejected.fingerprints,
      },
    });
  }

  /**
   * After both factors: clears the failure count and audits the login with both factors (and
   * `extra` events in the same transaction).
   */
  succeed(
    user: User,
    source: string,
    via: LoginVia,
    method: MfaMethod,
    extra: readonly AuditEventInput[] = [],
    first: AnyFirstFactor = { method: 'password' },
  ): void {
    const { deps } = this;
    writeTransaction(deps.db, () => {
      deps.throttle.recordSuccess(user.name, source, deps.clock.now());
      deps.audit.appendMany([
        {
          action: 'mfa.verify',
          actor: user.name,
          target: user.name,
          outcome: 'success',
          details: {
            via,
            method,
            ...(method === 'idp' && first.method === 'oidc'
              ? { amr: first.amr, acr: first.acr }
              : {}),
          },
        },
        {
          action: 'auth.login',
          actor: user.name,
          target: user.name,
          outcome: 'success',
          details: { via, source, ...firstFactorDetails(first), mfa: method },
        },
        ...extra,
      ]);
    })();
  }

  /**
   * A login by a public key that a key + code login made fresh (SSH, one strong login per shift):
   * the caller verified the signature and the mark, and `admitKeyHolder` applied the gate and the
   * account state. Audited as a login whose second factor is that earlier code login.
   */
  succeedOnFreshKey(user: User, source: string, via: LoginVia, fresh: FreshKeyLogin): void {
    const { deps } = this;
    writeTransaction(deps.db, () => {
      deps.throttle.recordSuccess(user.name, source, deps.clock.now());
      deps.audit.append({
        action: 'auth.login',
        actor: user.name,
        target: user.name,
        outcome: 'success',
        details: {
          via,
          source,
          firstFactor: 'publickey',
          keyFingerprint: fresh.keyFingerprint,
          mfa: 'fresh-key',
          mfaAt: new Date(fresh.verifiedAt).toISOString(),
          freshUntil: new Date(fresh.freshUntil).toISOString(),
        },
      });
    })();
  }
}
