/**
 * Logging in with a passkey, on the same gate, failure counting and audited completion as a
 * password and a TOTP code (LoginService):
 *  - passwordless: a discoverable passkey with user verification is both factors; the challenge
 *    is bound to the browser's pre-login cookie; the account is the passkey's owner (and must be
 *    the user handle the authenticator returned);
 *  - second factor: after the password (or single sign-on whose MFA does not count), one of the
 *    account's passkeys instead of a TOTP code; the challenge is bound to the login step.
 * A passkey login is MFA of kind `passkey`: it yields the same portal session a TOTP login does.
 * Guarantees: every refusal is audited with its reason and counted against the account and the
 * source; a counter that goes backwards (or a second use racing the first with the same counter)
 * is refused and audited as `passkey.clone_detected`; the new counter is stored before the login
 * succeeds. Not here: the portal's forms and cookies (http/portal/passkey-routes.tsx).
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import { parseAssertion, verifyPasskeyAssertion } from '../../../shared/src/webauthn/webauthn.js';
import type {
  ChallengePurpose,
  PasskeyRow,
  PasskeyStore,
  User,
  UserStore,
} from '../store/store.js';
import type { LoginService, LoginVia, PasskeyFirstFactor } from './login-service.js';
import { requiresUserVerification, userHandleOf, type PasskeyService } from './passkeys.js';
import type { IssuedSession, SessionService } from './session-service.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export interface PasskeyLoginDeps {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly users: UserStore;
  readonly store: PasskeyStore;
  readonly passkeys: PasskeyService;
  readonly login: LoginService;
  readonly sessions: SessionService;
  readonly clock: Clock;
}

export interface VerifiedPasskey {
  readonly user: User;
  readonly passkey: PasskeyRow;
}

export class PasskeyLogin {
  constructor(private readonly deps: PasskeyLoginDeps) {}

  /** Passwordless: verifies the assertion and issues a portal session (audited together). */
  async passwordless(
    preBinding: string,
    responseText: string,
    source: string,
  ): Promise<IssuedSession> {
    const { deps } = this;
    const { user, passkey } = await this.verify(
      'login',
      preBinding,
      null,
      responseText,
      source,
      'portal',
    );
    const first: PasskeyFirstFactor = {
      method: 'passkey',
      passkeyId: passkey.id,
      passkeyName: passkey.name,
    };
    deps.login.admitPasskeyHolder(user, source, 'portal', first);
    // The session and its audit record commit together: no audit, no session.
    return writeTransaction(deps.db, () => {
      const session = deps.sessions.issue(user.id, 'web', source);
      deps.login.succeed(user, source, 'portal', 'passkey', [], first);
      return session;
    })();
  }

  /** Second factor: one of `user`'s passkeys, with the challenge bound to the login step. */
  async secondFactor(
    user: User,
    stepId: string,
    responseText: string,
    source: string,
    via: LoginVia,
  ): Promise<VerifiedPasskey> {
    return this.verify('second-factor', stepId, user, responseText, source, via);
  }

  /**
   * The common check: a parsed assertion, the challenge spent for this binding, the credential
   * registered (to `expected` when a password step named the account), the signature, origin, RP
   * id, flags and counter; then the counter stored. Throws after auditing otherwise.
   */
  private async verify(
    purpose: Extract<ChallengePurpose, 'login' | 'second-factor'>,
    binding: string,
    expected: User | null,
    responseText: string,
    source: string,
    via: LoginVia,
  ): Promise<VerifiedPasskey> {
    const { deps } = this;
    const rp = deps.passkeys.relyingParty();
    const parsed = parseAssertion(responseText);
    const row = parsed.ok ? deps.store.byCredentialId(parsed.value.id) : undefined;
    const owner = row === undefined ? undefined : deps.users.getById(row.userId);
    const user = expected ?? owner;
    const name = user?.name ?? '';
    deps.login.gatePasskey(name, source, via);
    const fail = (reason: string): never =>
      deps.login.failPasskey(
        name,
        user,
        source,
        via,
        reason === 'counter_regressed' ? 'passkey-counter' : 'bad-passkey',
        {
          method: 'passkey',
          refusal: reason,
          ...(row === undefined ? {} : { passkeyId: row.id }),
        },
      );
    if (!parsed.ok) return fail('malformed');
    const taken = deps.passkeys.takeChallenge(
      purpose,
      binding,
      parsed.value.response.clientDataJSON,
    );
    if (taken === undefined) return fail('challenge');
    if (row === undefined || owner === undefined) return fail('unknown_passkey');
    if (expected !== null && (row.userId !== expected.id || taken.userId !== expected.id))
      return fail('not_this_account');
    const handle = parsed.value.response.userHandle;
    if (handle !== undefined && handle !== userHandleOf(owner)) return fail('user_handle');
    const requireUv = expected === null || requiresUserVerification(owner);
    const result = await verifyPasskeyAssertion({
      response: parsed.value,
      expectedChallenge: taken.challenge,
      rp,
      credential: row,
      requireUserVerification: requireUv,
    });
    if (!result.ok) {
      if (result.error === 'counter_regressed')
        this.cloneDetected(owner, row, parsed.value, source, via);
      return fail(result.error);
    }
    // Stored only if it still moves forward: two uses racing with one counter cannot both pass.
    if (!deps.store.advanceCounter(row.id, result.value.newCounter, deps.clock.now())) {
      this.cloneDetected(owner, row, parsed.value, source, via);
      return fail('counter_regressed');
    }
    return { user: owner, passkey: row };
  }

  /** A counter that went backwards: audited as an alert, then counted as a failed login. */
  private cloneDetected(
    owner: User,
    row: PasskeyRow,
    response: { response: { authenticatorData: string } },
    source: string,
    via: LoginVia,
  ): void {
    const data = Buffer.from(response.response.authenticatorData, 'base64url');
    const received = data.length >= 37 ? data.readUInt32BE(33) : null;
    this.deps.audit.append({
      action: 'passkey.clone_detected',
      actor: owner.name,
      target: owner.name,
      outcome: 'denied',
      details: {
        via,
        source,
        passkeyId: row.id,
        name: row.name,
        storedCounter: row.counter,
        receivedCounter: received,
        alert: true,
      },
    });
  }
}
