/**
 * The gate every login step passes first, and the one place a failed step is counted: a source
 * over its failure limit and a locked or throttled account are refused (and audited) before any
 * credential is looked at; a disabled account or an ended contract is refused with its reason; a
 * failed password, second factor or passkey is counted against the account and the source,
 * audited, and may lock the account, all in one transaction. Messages never say which of name or
 * password was wrong.
 */
import type { AuditEventInput } from '../../../shared/src/audit/audit-event.js';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import type { User } from '../store/store.js';
import { accountRefusal } from './account-status.js';
import type { LoginThrottle } from './login-throttle.js';
import type { LoginVia } from './login-service.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export type FailureKind =
  | 'bad-password'
  | 'bad-code'
  | 'replay'
  | 'bad-recovery-code'
  | 'bad-enrollment-code'
  | 'bad-passkey'
  | 'passkey-counter';

export interface LoginGateDeps {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly throttle: LoginThrottle;
  readonly clock: Clock;
}

export class LoginGate {
  constructor(private readonly deps: LoginGateDeps) {}

  /** A disabled account or an ended contract: audited and refused. */
  refuseInactive(user: User, source: string, via: LoginVia, extra: Record<string, unknown>): void {
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

  check(name: string, source: string, via: LoginVia): void {
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

  fail(
    name: string,
    user: User | undefined,
    source: string,
    via: LoginVia,
    kind: FailureKind,
    /** Fields added to the failure's event (e.g. why a passkey was refused). */
    extra: Record<string, unknown> = {},
  ): never {
    const { deps } = this;
    const now = deps.clock.now();
    // A name that is not an account is not recorded: people type passwords into the name field.
    const target = user?.name ?? null;
    const actor = user?.name ?? 'anonymous';
    writeTransaction(deps.db, () => {
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
          details: { via, source, reason: kind, ...extra },
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
    if (kind === 'bad-passkey' || kind === 'passkey-counter')
      throw new AirlockError(
        'unauthenticated',
        'auth.bad_passkey',
        kind === 'passkey-counter'
          ? 'this passkey was refused: its counter went backwards (a copied authenticator?); your administrator is alerted'
          : 'the passkey could not be verified; log in again',
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
