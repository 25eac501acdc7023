/**
 * Resetting and changing an account's credentials (the credentials half of user administration;
 * creating and changing accounts is user-admin.ts): lifting a login lock, removing the second
 * factor, an admin's password reset and a user's own password change. Each change is written with
 * its audit event in one transaction and ends the sessions the old credential opened (a user's own
 * change keeps the session it was made from). An admin cannot reset their own second factor or
 * password here: a second admin does, or the user from their account page. Not here: who may act
 * (the caller checked `requireAdmin`) and finding the account.
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { PasswordPool } from '../../../shared/src/crypto/password-pool.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import type { RecoveryCodeStore, User, UserStore } from '../store/store.js';
import type { Operator } from './account-rules.js';
import type { LoginThrottle } from './login-throttle.js';
import { checkPasswordStrength, generatePassword } from './password-policy.js';
import type { SessionService } from './session-service.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export interface CredentialAdminDeps {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly users: UserStore;
  readonly recovery: RecoveryCodeStore;
  readonly throttle: LoginThrottle;
  readonly sessions: SessionService;
  readonly passwords: PasswordPool;
}

/** An admin resets another account's credentials, never their own (the CLI has no account). */
function refuseOwnAccount(user: User, actor: Operator, message: string): void {
  if (!('cli' in actor) && actor.id === user.id)
    throw new AirlockError('access_denied', 'user.self_change', message);
}

/** The name the audit records for `actor`. */
const actorName = (actor: Operator): string => ('cli' in actor ? actor.cli : actor.name);

/** Lifts a login lock before its time runs out; whether there was a lock or failures to lift. */
export function unlockLogin(deps: CredentialAdminDeps, name: string, actor: string): boolean {
  return writeTransaction(deps.db, () => {
    const had = deps.throttle.unlock(name);
    deps.audit.append({
      action: 'auth.unlock',
      actor,
      target: name,
      outcome: 'success',
      details: { by: 'admin', hadLockOrFailures: had },
    });
    return had;
  })();
}

/** Removes a user's second factor (lost phone): they enroll again at next login; sessions end. */
export function resetMfa(deps: CredentialAdminDeps, user: User, actor: Operator): void {
  refuseOwnAccount(user, actor, 'an admin cannot reset their own second factor; ask another admin');
  writeTransaction(deps.db, () => {
    deps.users.setTotp(user.id, null, null);
    deps.recovery.clear(user.id);
    const ended = deps.sessions.endAllOfUser(user.id, 'second factor reset');
    deps.audit.append({
      action: 'mfa.reset',
      actor: actorName(actor),
      target: user.name,
      outcome: 'success',
      details: { userId: user.id, sessionsEnded: ended },
    });
  })();
}

/** Sets a new generated password (returned once) and ends the user's sessions. */
export async function resetPassword(
  deps: CredentialAdminDeps,
  user: User,
  actor: Operator,
): Promise<string> {
  refuseOwnAccount(user, actor, 'change your own password from your account page');
  const password = generatePassword();
  const hash = await deps.passwords.hash(password);
  writeTransaction(deps.db, () => {
    deps.users.setPasswordHash(user.id, hash);
    const ended = deps.sessions.endAllOfUser(user.id, 'password reset');
    deps.audit.append({
      action: 'user.password_change',
      actor: actorName(actor),
      target: user.name,
      outcome: 'success',
      details: { userId: user.id, by: 'admin-reset', sessionsEnded: ended },
    });
  })();
  return password;
}

/** A user changes their own password, proving the current one; their other sessions end. */
export async function changeOwnPassword(
  deps: CredentialAdminDeps,
  user: User,
  current: string,
  next: string,
  keepSessionId: string,
): Promise<void> {
  const hash = deps.users.credentials(user.id)?.passwordHash ?? null;
  if (hash === null || !(await deps.passwords.verify(hash, current)))
    throw new AirlockError('bad_request', 'user.wrong_password', 'the current password is wrong', {
      details: { field: 'currentPassword' },
    });
  const weak = await checkPasswordStrength(next, user.name, deps.passwords);
  if (weak !== undefined)
    throw new AirlockError('bad_request', 'user.weak_password', weak, {
      details: { field: 'newPassword' },
    });
  const newHash = await deps.passwords.hash(next);
  writeTransaction(deps.db, () => {
    deps.users.setPasswordHash(user.id, newHash);
    let ended = 0;
    for (const s of deps.sessions.liveOf(user.id))
      if (s.id !== keepSessionId && deps.sessions.end(s.id, 'password changed')) ended++;
    deps.audit.append({
      action: 'user.password_change',
      actor: user.name,
      target: user.name,
      outcome: 'success',
      details: { userId: user.id, by: 'self', sessionsEnded: ended },
    });
  })();
}
