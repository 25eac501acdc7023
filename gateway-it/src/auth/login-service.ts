/**
 * The checks every login path shares (portal, API, SSH), behind one front: the gate (source
 * limit, account lock, account state), step one by password (password-check.ts), by public key
 * or at an identity provider; step two by TOTP or recovery code (second-factor.ts); the
 * completion that audits the login (login-completion.ts). Passkeys use the same gate, failure
 * counting and completion (passkey-login.ts). Every failure is counted (account and source),
 * audited, and may lock the account, in one transaction (login-gate.ts). Messages never say
 * which of name or password was wrong.
 */
import type { AuditEventInput } from '../../../shared/src/audit/audit-event.js';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import type { PasswordPool } from '../../../shared/src/crypto/password-pool.js';
import type { RecoveryCodeStore, User, UserStore } from '../store/store.js';
import { LoginCompletion, firstFactorDetails, type FreshKeyLogin } from './login-completion.js';
import { LoginGate, type FailureKind } from './login-gate.js';
import type { LoginThrottle } from './login-throttle.js';
import { PasswordCheck } from './password-check.js';
import { SecondFactorCheck } from './second-factor.js';

export { UNKNOWN_ACCOUNT_HASH } from './password-check.js';

export type LoginVia = 'portal' | 'api' | 'ssh';
export type SecondFactor = { readonly code: string } | { readonly recoveryCode: string };
export type SecondFactorMethod = 'totp' | 'recovery' | 'passkey';
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
/** A passwordless login: a discoverable passkey with user verification is both factors. */
export interface PasskeyFirstFactor {
  readonly method: 'passkey';
  readonly passkeyId: string;
  readonly passkeyName: string;
}
/** Any first factor, here, by passkey or at an identity provider. */
export type AnyFirstFactor = FirstFactor | OidcFirstFactor | PasskeyFirstFactor;

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

export class LoginService {
  private readonly gate: LoginGate;
  private readonly password: PasswordCheck;
  private readonly secondFactor: SecondFactorCheck;
  private readonly completion: LoginCompletion;

  constructor(deps: LoginServiceDeps) {
    this.gate = new LoginGate(deps);
    this.password = new PasswordCheck(deps, this.gate);
    this.secondFactor = new SecondFactorCheck(deps, this.gate);
    this.completion = new LoginCompletion(deps);
  }

  /** Step one on every path. Returns the user whose password this is; throws otherwise. */
  checkPassword(name: string, password: string, source: string, via: LoginVia): Promise<User> {
    return this.password.check(name, password, source, via);
  }

  /**
   * Step one by public key (SSH): the caller verified the signature; this applies the same gate
   * (source limit, account lock) and account state as a password would, and audits a refusal.
   */
  admitKeyHolder(user: User, source: string, via: LoginVia): void {
    this.gate.check(user.name, source, via);
    this.gate.refuseInactive(user, source, via, { method: 'publickey' });
  }

  /**
   * Step one proven elsewhere (single sign-on): the same gate (source limit, account lock) and
   * account state as a password, with a refusal audited with the identity's fields.
   */
  admitExternal(user: User, source: string, via: LoginVia, first: OidcFirstFactor): void {
    this.gate.check(user.name, source, via);
    this.gate.refuseInactive(user, source, via, firstFactorDetails(first));
  }

  /**
   * A passkey step (passwordless or second factor) before its assertion is checked: the gate for
   * `name` (the account the credential belongs to, or the name a password step proved).
   */
  gatePasskey(name: string, source: string, via: LoginVia): void {
    this.gate.check(name, source, via);
  }

  /** After a passwordless passkey verified: the account's state, refused and audited if inactive. */
  admitPasskeyHolder(user: User, source: string, via: LoginVia, first: PasskeyFirstFactor): void {
    this.gate.refuseInactive(user, source, via, firstFactorDetails(first));
  }

  /** Counts and audits a passkey that did not verify (or whose counter went backwards), then throws. */
  failPasskey(
    name: string,
    user: User | undefined,
    source: string,
    via: LoginVia,
    kind: Extract<FailureKind, 'bad-passkey' | 'passkey-counter'>,
    extra: Record<string, unknown> = {},
  ): never {
    return this.gate.fail(name, user, source, via, kind, extra);
  }

  /**
   * Public keys a connection offered that did not get it in, as ONE event when the connection
   * ends unauthenticated (clients offer every key they hold: a row per key would let one
   * connection write thousands). Not counted as failed guesses: offering a key is not one.
   */
  auditRejectedKeys(rejected: RejectedKeys, source: string, via: LoginVia): void {
    this.completion.auditRejectedKeys(rejected, source, via);
  }

  /** Step two: a TOTP code (never one already used) or a recovery code (consumed). */
  checkSecondFactor(
    user: User,
    factor: SecondFactor,
    source: string,
    via: LoginVia,
  ): 'totp' | 'recovery' {
    return this.secondFactor.check(user, factor, source, via);
  }

  /** Counts and audits a failed enrollment confirmation like any other failed second factor. */
  failEnrollment(user: User, source: string, via: LoginVia): never {
    return this.secondFactor.failEnrollment(user, source, via);
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
    this.completion.succeed(user, source, via, method, extra, first);
  }

  /** A login on a key a key + code login made fresh (LoginCompletion.succeedOnFreshKey). */
  succeedOnFreshKey(user: User, source: string, via: LoginVia, fresh: FreshKeyLogin): void {
    this.completion.succeedOnFreshKey(user, source, via, fresh);
  }
}
