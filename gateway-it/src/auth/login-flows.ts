/**
 * The login flows built on LoginService and SessionService, one per face:
 *  - portal: password, then (in a five-minute login step) the second factor (a TOTP or recovery
 *    code, or one of the account's passkeys) or, for an account without one, enrollment (QR code and secret, confirmed with a first code; recovery codes shown
 *    once). A failed step ends the step: the next try starts again from the password, so a failed
 *    attempt can never leave a half-open login behind for anyone.
 *  - API: one call with name, password and code returns a bearer token with an expiry; an account
 *    without a second factor enrolls through the same two-call enrollment.
 * Every web session and token is issued only after a second factor: MFA is required for everyone.
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import { openSecret, sealSecret, wipe } from '../../../shared/src/crypto/aead.js';
import { utf8 } from '../../../shared/src/crypto/encoding.js';
import type { AuthSession, RecoveryCodeStore, User, UserStore } from '../store/store.js';
import type {
  AnyFirstFactor,
  LoginService,
  LoginVia,
  OidcFirstFactor,
  SecondFactor,
  SecondFactorMethod,
} from './login-service.js';
import { generateRecoveryCodes, hashRecoveryCode } from './recovery-codes.js';
import type { IssuedSession, SessionService } from './session-service.js';
import type { PasskeyLogin } from './passkey-login.js';
import type { PasskeyService } from './passkeys.js';
import { checkTotp, newTotpSecret, totpQrSvg, totpUri } from './totp.js';
import type { PublicKeyCredentialRequestOptionsJSON } from '../../../shared/src/webauthn/webauthn.js';
import { totpAssociatedData } from './user-admin.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export interface LoginFlowDeps {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly users: UserStore;
  readonly recovery: RecoveryCodeStore;
  readonly login: LoginService;
  readonly sessions: SessionService;
  readonly clock: Clock;
  readonly secretsKey: Uint8Array;
  readonly issuer: string;
  readonly driftSteps: number;
  readonly passkeys: PasskeyService;
  readonly passkeyLogin: PasskeyLogin;
}

export type LoginStart = {
  readonly next: 'second-factor' | 'enroll';
  readonly step: IssuedSession;
};

export interface EnrollmentDetails {
  readonly account: string;
  readonly secret: string;
  readonly uri: string;
  readonly qrSvg: string;
}

export interface EnrollmentDone {
  readonly session: IssuedSession;
  /** Shown once; only their hashes are kept. */
  readonly recoveryCodes: readonly string[];
}

const enrollAd = (userId: string): string => `airlock:totp-enroll:${userId}`;

/** The first factor a login step recorded (written by this file only); a password when none. */
function firstFactorOf(step: AuthSession): AnyFirstFactor {
  if (step.firstFactor === null) return { method: 'password' };
  const f = JSON.parse(step.firstFactor) as OidcFirstFactor;
  if (f.method !== 'oidc')
    throw new AirlockError(
      'internal',
      'auth.step_state',
      'login step with an unknown first factor',
    );
  return f;
}

export class LoginFlows {
  constructor(private readonly deps: LoginFlowDeps) {}

  /** Portal step one (and API enrollment's first call). */
  async begin(name: string, password: string, source: string, via: LoginVia): Promise<LoginStart> {
    const { deps } = this;
    const user = await deps.login.checkPassword(name, password, source, via);
    if (user.mfaEnrolled)
      return { next: 'second-factor', step: deps.sessions.issue(user.id, 'mfa-pending', source) };
    const secret = newTotpSecret();
    const sealed = sealSecret(utf8(secret), deps.secretsKey, enrollAd(user.id));
    return {
      next: 'enroll',
      step: deps.sessions.issue(user.id, 'mfa-enroll', source, { enrollSecretSealed: sealed }),
    };
  }

  /**
   * After single sign-on whose MFA does not count here: the local second factor (or its
   * enrollment) in a login step that remembers the identity, so the login's audit names it.
   */
  beginAfterSso(user: User, source: string, first: OidcFirstFactor): LoginStart {
    const { deps } = this;
    deps.login.admitExternal(user, source, 'portal', first);
    const firstFactor = JSON.stringify(first);
    if (user.mfaEnrolled)
      return {
        next: 'second-factor',
        step: deps.sessions.issue(user.id, 'mfa-pending', source, { firstFactor }),
      };
    const secret = newTotpSecret();
    const sealed = sealSecret(utf8(secret), deps.secretsKey, enrollAd(user.id));
    return {
      next: 'enroll',
      step: deps.sessions.issue(user.id, 'mfa-enroll', source, {
        enrollSecretSealed: sealed,
        firstFactor,
      }),
    };
  }

  /** After single sign-on whose MFA counts (the provider's amr/acr): a portal session now. */
  completeSso(user: User, source: string, first: OidcFirstFactor): IssuedSession {
    const { deps } = this;
    deps.login.admitExternal(user, source, 'portal', first);
    // The session and its audit record commit together: no audit, no session.
    return writeTransaction(deps.db, () => {
      const session = deps.sessions.issue(user.id, 'web', source);
      deps.login.succeed(user, source, 'portal', 'idp', [], first);
      return session;
    })();
  }

  /** Ends a login step the client abandons (a new password attempt, a logout). */
  abandon(stepSecret: string): void {
    const s = this.deps.sessions.resolve(stepSecret, ['mfa-pending', 'mfa-enroll']);
    if (s !== undefined) this.deps.sessions.end(s.id, 'abandoned');
  }

  /** What kind of step a secret is, if it is a live one. */
  stepKind(stepSecret: string): 'second-factor' | 'enroll' | undefined {
    const s = this.deps.sessions.resolve(stepSecret, ['mfa-pending', 'mfa-enroll']);
    return s === undefined ? undefined : s.kind === 'mfa-pending' ? 'second-factor' : 'enroll';
  }

  /** Portal step two: the second factor. Any failure ends the step. */
  finish(stepSecret: string, factor: SecondFactor, source: string): IssuedSession {
    const { deps } = this;
    const { step, user } = this.liveStep(stepSecret, 'mfa-pending');
    let method: SecondFactorMethod;
    try {
      method = deps.login.checkSecondFactor(user, factor, source, 'portal');
    } finally {
      deps.sessions.end(step.id, 'login step used');
    }
    deps.login.succeed(user, source, 'portal', method, [], firstFactorOf(step));
    return deps.sessions.issue(user.id, 'web', source);
  }

  /**
   * Options for answering this login step with a passkey (bound to the step), or null when the
   * account has none or passkeys are off.
   */
  async passkeyOptions(
    stepSecret: string,
    source: string,
  ): Promise<PublicKeyCredentialRequestOptionsJSON | null> {
    const { deps } = this;
    const { step, user } = this.liveStep(stepSecret, 'mfa-pending');
    if (deps.passkeys.unavailableReason() !== null || deps.passkeys.count(user.id) === 0)
      return null;
    return deps.passkeys.assertionOptions('second-factor', step.id, user, source);
  }

  /** Portal step two with a passkey instead of a code. Any failure ends the step. */
  async finishWithPasskey(
    stepSecret: string,
    responseText: string,
    source: string,
  ): Promise<IssuedSession> {
    const { deps } = this;
    const { step, user } = this.liveStep(stepSecret, 'mfa-pending');
    try {
      await deps.passkeyLogin.secondFactor(user, step.id, responseText, source, 'portal');
    } finally {
      deps.sessions.end(step.id, 'login step used');
    }
    // The session and its audit record commit together: no audit, no session.
    return writeTransaction(deps.db, () => {
      deps.login.succeed(user, source, 'portal', 'passkey', [], firstFactorOf(step));
      return deps.sessions.issue(user.id, 'web', source);
    })();
  }

  /** The secret being enrolled in this step, with its otpauth URI and QR code. */
  async enrollment(stepSecret: string): Promise<EnrollmentDetails> {
    const { step, user } = this.liveStep(stepSecret, 'mfa-enroll');
    const secret = this.enrollSecretOf(step, user);
    const uri = totpUri(this.deps.issuer, user.name, secret);
    return { account: user.name, secret, uri, qrSvg: await totpQrSvg(uri) };
  }

  /** Confirms enrollment with a first code: stores the secret, issues recovery codes and a session. */
  confirmEnrollment(
    stepSecret: string,
    code: string,
    source: string,
    via: LoginVia,
    kind: 'web' | 'api',
  ): EnrollmentDone {
    const { deps } = this;
    const { step, user } = this.liveStep(stepSecret, 'mfa-enroll');
    const secret = this.enrollSecretOf(step, user);
    const check = checkTotp({
      secret,
      code,
      nowMs: deps.clock.now(),
      lastStep: null,
      driftSteps: deps.driftSteps,
    });
    if (!check.ok) {
      deps.sessions.end(step.id, 'enrollment code wrong');
      return deps.login.failEnrollment(user, source, via);
    }
    const codes = generateRecoveryCodes();
    const now = deps.clock.now();
    writeTransaction(deps.db, () => {
      const fresh = deps.users.getById(user.id);
      if (fresh === undefined || fresh.mfaEnrolled)
        throw new AirlockError(
          'conflict',
          'mfa.already_enrolled',
          'this account already has a second factor',
        );
      deps.users.setTotp(
        user.id,
        sealSecret(utf8(secret), deps.secretsKey, totpAssociatedData(user.id)),
        now,
      );
      deps.users.advanceTotpStep(user.id, check.step);
      deps.recovery.replace(
        user.id,
        codes.map((c) => hashRecoveryCode(user.id, c)),
      );
      deps.sessions.end(step.id, 'enrolled');
      deps.audit.append({
        action: 'mfa.enroll',
        actor: user.name,
        target: user.name,
        outcome: 'success',
        details: { via, method: 'totp', recoveryCodes: codes.length },
      });
    })();
    deps.login.succeed(
      user,
      source,
      via,
      'totp',
      kind === 'api'
        ? [
            {
              action: 'token.issue',
              actor: user.name,
              target: user.name,
              outcome: 'success',
              details: { source },
            },
          ]
        : [],
      firstFactorOf(step),
    );
    return { session: deps.sessions.issue(user.id, kind, source), recoveryCodes: codes };
  }

  /** API login in one call; an account without a second factor must enroll first. */
  async apiLogin(
    name: string,
    password: string,
    factor: SecondFactor,
    source: string,
  ): Promise<IssuedSession> {
    const { deps } = this;
    const user = await deps.login.checkPassword(name, password, source, 'api');
    if (!user.mfaEnrolled)
      throw new AirlockError(
        'access_denied',
        'mfa.enrollment_required',
        'this account has no second factor yet: enroll first (POST /api/v1/auth/enroll)',
      );
    const method = deps.login.checkSecondFactor(user, factor, source, 'api');
    // The token and its audit record commit together: no audit, no token.
    return writeTransaction(deps.db, () => {
      const token = deps.sessions.issue(user.id, 'api', source);
      deps.login.succeed(user, source, 'api', method, [
        {
          action: 'token.issue',
          actor: user.name,
          target: user.name,
          outcome: 'success',
          details: { tokenId: token.id, expiresAt: new Date(token.expiresAt).toISOString() },
        },
      ]);
      return token;
    })();
  }

  /** API enrollment, first call: password, then the secret to add to an authenticator. */
  async apiBeginEnrollment(
    name: string,
    password: string,
    source: string,
  ): Promise<{ step: IssuedSession; details: EnrollmentDetails }> {
    const started = await this.begin(name, password, source, 'api');
    if (started.next !== 'enroll') {
      this.deps.sessions.end(started.step.id, 'not needed');
      throw new AirlockError(
        'conflict',
        'mfa.already_enrolled',
        'this account already has a second factor; log in with it',
      );
    }
    return { step: started.step, details: await this.enrollment(started.step.secret) };
  }

  /** Logout: ends the session or token that made the request. */
  logout(session: { id: string; kind: 'web' | 'api' }, user: User): void {
    const { deps } = this;
    writeTransaction(deps.db, () => {
      if (!deps.sessions.end(session.id, 'logout')) return;
      deps.audit.append(
        session.kind === 'api'
          ? {
              action: 'token.revoke',
              actor: user.name,
              target: user.name,
              outcome: 'success',
              details: { tokenId: session.id },
            }
          : {
              action: 'auth.logout',
              actor: user.name,
              target: user.name,
              outcome: 'success',
              details: { sessionId: session.id },
            },
      );
    })();
  }

  private liveStep(
    stepSecret: string,
    kind: 'mfa-pending' | 'mfa-enroll',
  ): { step: AuthSession; user: User } {
    const step = this.deps.sessions.resolve(stepSecret, [kind]);
    const user = step === undefined ? undefined : this.deps.users.getById(step.userId);
    if (step === undefined || user === undefined)
      throw new AirlockError(
        'unauthenticated',
        'auth.login_expired',
        'this login has expired or was ended; start again with your password',
      );
    return { step, user };
  }

  private enrollSecretOf(step: AuthSession, user: User): string {
    if (step.enrollSecretSealed === null)
      throw new AirlockError('internal', 'mfa.enroll_state', 'enrollment step without a secret');
    const bytes = openSecret(step.enrollSecretSealed, this.deps.secretsKey, enrollAd(user.id));
    const secret = Buffer.from(bytes).toString('utf8');
    wipe(bytes);
    return secret;
  }
}
