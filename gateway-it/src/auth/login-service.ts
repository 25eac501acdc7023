/**
 * The checks every login path shares (portal, API, and later the SSH endpoint): a source over its
 * failure limit and a locked account are refused before any credential is looked at; a password
 * is checked against its argon2id hash (an unknown name costs the same time as a known one); a
 * second factor is a TOTP code that was never used before or an unused recovery code. Every
 * failure is counted (account and source), audited, and may lock the account, in one transaction.
 * Messages never say which of name or password was wrong.
 */
import type { AuditEventInput } from '../../../shared/src/audit/audit-event.js';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import type { PasswordPool } from '../../../shared/src/crypto/password-pool.js';
import { openSecret, wipe } from '../../../shared/src/crypto/aead.js';
import type { RecoveryCodeStore, User, UserStore } from '../store/store.js';
import { accountRefusal } from './account-status.js';
import type { LoginThrottle } from './login-throttle.js';
import { hashRecoveryCode, normalizeRecoveryCode } from './recovery-codes.js';
import { checkTotp } from './totp.js';
import { totpAssociatedData, USER_NAME_PATTERN } from './user-admin.js';

export type LoginVia = 'portal' | 'api' | 'ssh';
export type SecondFactor = { readonly code: string } | { readonly recoveryCode: string };
export type SecondFactorMethod = 'totp' | 'recovery';
/** How a login's MFA was satisfied: a local second factor, or the identity provider's own MFA. */
export type MfaMethod = SecondFactorMethod | 'idp';
/** A single sign-on login: the provider and the identity its ID token named. */
export interface OidcFirstFactor {
  readonly method: 'oidc';
  readonly provider: string;
  readonly issuer: string;
  readonly subject: string;
  /** The ID token's authentication methods and context class, as sent. */
  readonly amr: readonly string[];
  readonly acr: string | null;
}
/** How the first factor was proven here (password or SSH key), for the login's audit event. */
export type FirstFactor =
  | { readonly method: 'password' }
  | { readonly method: 'publickey'; readonly keyFingerprint: string };
/** Any first factor, here or at an identity provider. */
export type AnyFirstFactor = FirstFactor | OidcFirstFactor;

/** The first factor's fields in an `auth.login` event. */
function firstFactorDetails(first: AnyFirstFactor): Record<string, unknown> {
  switch (first.method) {
    case 'password':
      return { firstFactor: 'password' };
    case 'publickey':
      return { firstFactor: 'publickey', keyFingerprint: first.keyFingerprint };
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

/** The public keys a connection offered that were not accepted (one audit event per connection). */
export interface RejectedKeys {
  /** The login name the keys were offered for. */
  readonly name: string;
  /** Distinct keys offered that are not registered for that account (or the name is not one). */
  readonly keys: number;
  /** Signatures that did not verify with a registered key. */
  readonly badSignatures: number;
  /** Their SHA256 fingerprints (the first few). */
  readonly fingerprints: readonly string[];
}

export interface LoginServiceDeps {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly users: UserStore;
  readonly recovery: RecoveryCodeStore;
  readonly throttle: LoginThrottle;
  readonly clock: Clock;
  readonly secretsKey: Uint8Array;
  readonly driftSteps: number;
  /** argon2id off the event loop. */
  readonly passwords: PasswordPool;
  /** Password checks one source address may have in flight at once (pre-authentication work). */
  readonly checksPerSource: number;
}

type FailureKind =
  'bad-password' | 'bad-code' | 'replay' | 'bad-recovery-code' | 'bad-enrollment-code';

/**
 * What an unknown name's password is checked against, so it costs one argon2id verification like
 * a known one: the hash of 24 random bytes nobody kept, with the interactive limits new hashes get
 * (a test fails if those limits change and this is not replaced).
 */
export const UNKNOWN_ACCOUNT_HASH =
  '$argon2id$v=19$m=65536,t=2,p=1$bD06H/K7wX/BWM5cx0Icpg$DkYt4j5YeHYfew1KLoaQdJHF3dwjcDp7/xxjOUJ+I5Q';

export class LoginService {
  /** Password checks in flight per source address. */
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly deps: LoginServiceDeps) {}

  /** Step one on every path. Returns the user whose password this is; throws otherwise. */
  async checkPassword(
    name: string,
    password: string,
    source: string,
    via: LoginVia,
  ): Promise<User> {
    const { deps } = this;
    this.gate(name, source, via);
    const user = USER_NAME_PATTERN.test(name) ? deps.users.getByName(name) : undefined;
    const hash =
      user === undefined ? undefined : (deps.users.credentials(user.id)?.passwordHash ?? undefined);
    const ok = await this.verifyOffLoop(name, user, hash, password, source, via);
    if (user === undefined || !ok) this.fail(name, user, source, via, 'bad-password');
    // The account may have changed while the worker ran: judge its state as it is now.
    const fresh = deps.users.getById(user.id) ?? user;
    this.refuseInactive(fresh, source, via, {});
    return fresh;
  }

  /**
   * One argon2id verification on the pool, counted against the source's in-flight cap. An unknown
   * name is checked against a dummy hash, so its cost and timing match a known one's.
   */
  private async verifyOffLoop(
    name: string,
    user: User | undefined,
    hash: string | undefined,
    password: string,
    source: string,
    via: LoginVia,
  ): Promise<boolean> {
    const { deps } = this;
    const running = this.inFlight.get(source) ?? 0;
    if (running >= deps.checksPerSource)
      this.refuseBusy(
        name,
        user,
        source,
        via,
        'source_busy',
        new AirlockError(
          'limit_exceeded',
          'auth.source_busy',
          'another login from this address is still being checked; wait for it to finish',
        ),
      );
    if (deps.passwords.isFull())
      this.refuseBusy(
        name,
        user,
        source,
        via,
        'busy',
        new AirlockError(
          'unavailable',
          'auth.busy',
          'the gateway is busy checking other logins; try again in a few seconds',
        ),
      );
    this.inFlight.set(source, running + 1);
    try {
      const encoded = hash ?? UNKNOWN_ACCOUNT_HASH;
      return (await deps.passwords.verify(encoded, password)) && hash !== undefined;
    } catch (e) {
      if (e instanceof AirlockError && e.code === 'auth.busy')
        this.refuseBusy(name, user, source, via, 'busy', e);
      throw e;
    } finally {
      const left = (this.inFlight.get(source) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(source);
      else this.inFlight.set(source, left);
    }
  }

  /** Audits a check refused before any argon2id ran (not a failed guess: nothing is counted). */
  private refuseBusy(
    name: string,
    user: User | undefined,
    source: string,
    via: LoginVia,
    reason: 'busy' | 'source_busy',
    error: AirlockError,
  ): never {
    this.deps.audit.append({
      action: 'auth.login',
      actor: user?.name ?? 'anonymous',
      target: user?.name ?? null,
      outcome: 'denied',
      details: { via, source, reason },
    });
    throw error;
  }

  /**
   * Step one by public key (SSH): the caller verified the signature; this applies the same gate
   * (source limit, account lock) and account state as a password would, and audits a refusal.
   */
  admitKeyHolder(user: User, source: string, via: LoginVia): void {
    this.gate(user.name, source, via);
    this.refuseInactive(user, source, via, { method: 'publickey' });
  }

  /**
   * Step one proven elsewhere (single sign-on): the same gate (source limit, account lock) and
   * account state as a password, with a refusal audited with the identity's fields.
   */
  admitExternal(user: User, source: string, via: LoginVia, first: OidcFirstFactor): void {
    this.gate(user.name, source, via);
    this.refuseInactive(user, source, via, firstFactorDetails(first));
  }

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

  /** A disabled account or an ended contract: audited and refused. */
  private refuseInactive(
    user: User,
    source: string,
    via: LoginVia,
    extra: Record<string, unknown>,
  ): void {
    const refusal = accountRefusal(user, this.deps.clock.now());
    if (refusal === undefined) return;
    this.deps.audit.append({
      action: 'auth.login',
      actor: user.name,
      target: user.name,
      outcome: 'denied',
      details: { via, source, reason: refusal, ...extra },
    });
    throw refusal === 'disabled'
      ? new AirlockError('access_denied', 'auth.disabled', 'this account is disabled')
      : new AirlockError(
          'access_denied',
          'auth.contract_ended',
          "this account's contract has ended",
        );
  }

  /** Step two: a TOTP code (never one already used) or a recovery code (consumed). */
  checkSecondFactor(
    user: User,
    factor: SecondFactor,
    source: string,
    via: LoginVia,
  ): SecondFactorMethod {
    const { deps } = this;
    this.gate(user.name, source, via);
    if ('recoveryCode' in factor) {
      const code = normalizeRecoveryCode(factor.recoveryCode);
      const now = deps.clock.now();
      const used =
        code !== undefined &&
        deps.db.transaction(() => {
          if (!deps.recovery.consume(user.id, hashRecoveryCode(user.id, code), now)) return false;
          deps.audit.append({
            action: 'mfa.recovery_use',
            actor: user.name,
            target: user.name,
            outcome: 'success',
            details: { via, source, remaining: deps.recovery.remaining(user.id) },
          });
          return true;
        })();
      if (!used) this.fail(user.name, user, source, via, 'bad-recovery-code');
      return 'recovery';
    }
    const secret = this.totpSecretOf(user);
    const lastStep = deps.users.credentials(user.id)?.totpLastStep ?? null;
    const check = checkTotp({
      secret,
      code: factor.code,
      nowMs: deps.clock.now(),
      lastStep,
      driftSteps: deps.driftSteps,
    });
    if (!check.ok)
      this.fail(user.name, user, source, via, check.reason === 'replay' ? 'replay' : 'bad-code');
    // The conditional update is the real replay guard: two requests racing with one code cannot both pass.
    if (!deps.users.advanceTotpStep(user.id, check.step))
      this.fail(user.name, user, source, via, 'replay');
    return 'totp';
  }

  /** Counts and audits a failed enrollment confirmation like any other failed second factor. */
  failEnrollment(user: User, source: string, via: LoginVia): never {
    this.fail(user.name, user, source, via, 'bad-enrollment-code');
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
    deps.db.transaction(() => {
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
  succeedOnFreshKey(
    user: User,
    source: string,
    via: LoginVia,
    fresh: {
      readonly keyFingerprint: string;
      readonly verifiedAt: number;
      readonly freshUntil: number;
    },
  ): void {
    const { deps } = this;
    deps.db.transaction(() => {
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

  /** The user's TOTP secret in clear, for one verification. */
  private totpSecretOf(user: User): string {
    const sealed = this.deps.users.credentials(user.id)?.totpSecretSealed ?? null;
    if (sealed === null)
      throw new AirlockError(
        'access_denied',
        'mfa.enrollment_required',
        'this account has no second factor yet: log in to the portal to enroll one',
      );
    const bytes = openSecret(sealed, this.deps.secretsKey, totpAssociatedData(user.id));
    const secret = Buffer.from(bytes).toString('utf8');
    wipe(bytes);
    return secret;
  }

  private gate(name: string, source: string, via: LoginVia): void {
    const { deps } = this;
    const now = deps.clock.now();
    if (deps.throttle.isSourceLimited(source, now)) {
      throw new AirlockError(
        'limit_exceeded',
        'auth.rate_limited',
        'too many failed logins from this address; try again later',
      );
    }
    const gate = deps.throttle.gate(name, source, now);
    if (gate.unlockedByTime) {
      deps.audit.append({
        action: 'auth.unlock',
        actor: 'system:it',
        target: name.slice(0, 64),
        outcome: 'success',
        details: { by: 'time' },
      });
    }
    if (gate.state === 'locked') {
      deps.audit.append({
        action: 'auth.login',
        actor: 'anonymous',
        target: name.slice(0, 64),
        outcome: 'denied',
        details: { via, source, reason: 'locked', lockedUntil: new Date(gate.until).toISOString() },
      });
      throw new AirlockError(
        'limit_exceeded',
        'auth.locked',
        'this account is locked after too many failed logins from other addresses; log in from an address you used before, try again later or ask an administrator',
      );
    }
    if (gate.state === 'throttled') {
      const waitS = Math.max(1, Math.ceil((gate.until - now) / 1000));
      deps.audit.append({
        action: 'auth.login',
        actor: 'anonymous',
        target: name.slice(0, 64),
        outcome: 'denied',
        details: { via, source, reason: 'throttled', until: new Date(gate.until).toISOString() },
      });
      throw new AirlockError(
        'limit_exceeded',
        'auth.throttled',
        `too many failed logins for this account from this address; try again in ${waitS} s`,
        { details: { retryAfterSeconds: waitS } },
      );
    }
  }

  private fail(
    name: string,
    user: User | undefined,
    source: string,
    via: LoginVia,
    kind: FailureKind,
  ): never {
    const { deps } = this;
    const now = deps.clock.now();
    // A name that is not an account is not recorded: people type passwords into the name field.
    const target = user?.name ?? null;
    const actor = user?.name ?? 'anonymous';
    deps.db.transaction(() => {
      const outcome = deps.throttle.recordFailure(name, source, now);
      const events: AuditEventInput[] = [];
      if (kind === 'bad-password')
        events.push({
          action: 'auth.login',
          actor,
          target,
          outcome: 'failure',
          details: { via, source, reason: user === undefined ? 'unknown-account' : 'bad-password' },
        });
      else if (kind === 'replay')
        events.push({
          action: 'mfa.replay',
          actor,
          target,
          outcome: 'denied',
          details: { via, source },
        });
      else
        events.push({
          action: 'mfa.verify',
          actor,
          target,
          outcome: 'failure',
          details: { via, source, reason: kind },
        });
      if (outcome.lockedUntil !== null)
        events.push({
          action: 'auth.lock',
          actor: 'system:it',
          target: target ?? 'unknown-account',
          outcome: 'success',
          details: { until: new Date(outcome.lockedUntil).toISOString(), source },
        });
      if (outcome.backoffUntil !== null)
        events.push({
          action: 'auth.rate_limit',
          actor: 'system:it',
          target: target ?? 'unknown-account',
          outcome: 'success',
          details: {
            scope: 'account-source',
            source,
            until: new Date(outcome.backoffUntil).toISOString(),
          },
        });
      if (outcome.sourceLimited)
        events.push({
          action: 'auth.rate_limit',
          actor: 'system:it',
          target: source,
          outcome: 'success',
          details: { scope: 'source' },
        });
      deps.audit.appendMany(events);
    })();
    if (kind === 'bad-password')
      throw new AirlockError(
        'unauthenticated',
        'auth.bad_credentials',
        'wrong user name or password',
      );
    throw new AirlockError(
      'unauthenticated',
      'auth.bad_second_factor',
      kind === 'replay'
        ? 'this code was already used; wait for the next one and log in again'
        : 'wrong code; log in again',
    );
  }
}
