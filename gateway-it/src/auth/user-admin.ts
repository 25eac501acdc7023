/**
 * Accounts: creating them (the CLI bootstrap and the admin API), changing and disabling them, and
 * the one front door for unlocking and resetting their credentials (done in credential-admin.ts;
 * sites are site-admin.ts, the shared rules account-rules.ts). Every change is
 * written together with its audit event in one transaction. A new user gets a generated password
 * and an enrolled TOTP secret, returned exactly once to be handed over; neither is stored in clear.
 */
import { generateSecret, generateURI } from 'otplib';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { IdGenerator, UserId } from '../../../shared/src/ids.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import type { PasswordPool } from '../../../shared/src/crypto/password-pool.js';
import { sealSecret } from '../../../shared/src/crypto/aead.js';
import { utf8 } from '../../../shared/src/crypto/encoding.js';
import {
  type SiteStore,
  type Site,
  type RoleAssignment,
  type User,
  type UserStore,
  type RecoveryCodeStore,
  type SshKeyStore,
} from '../store/store.js';
import { checkPasswordShape, checkPasswordStrength, generatePassword } from './password-policy.js';
import type { LoginThrottle } from './login-throttle.js';
import type { SessionService } from './session-service.js';
import { AccountChanges } from './account-changes.js';
import { generateRecoveryCodes, hashRecoveryCode } from './recovery-codes.js';
import { omitUndefined } from '../../../shared/src/omit-undefined.js';
import {
  checkContract,
  checkRoles,
  formatRole,
  requireAdmin,
  totpAssociatedData,
  USER_NAME_PATTERN,
  type Operator,
} from './account-rules.js';
import { createSite, type NewSite } from './site-admin.js';
import { changeOwnPassword, resetMfa, resetPassword, unlockLogin } from './credential-admin.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export {
  formatRole,
  isIsoDate,
  parseRoleAssignment,
  totpAssociatedData,
  USER_NAME_PATTERN,
  type Operator,
} from './account-rules.js';
export { isValidTimezone, type NewSite } from './site-admin.js';

export interface UserAdminDeps {
  readonly db: Db;
  readonly recovery: RecoveryCodeStore;
  readonly throttle: LoginThrottle;
  readonly sessions: SessionService;
  readonly audit: AuditLog;
  readonly users: UserStore;
  readonly sites: SiteStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** Key that seals TOTP secrets at rest. */
  readonly secretsKey: Uint8Array;
  /** Shown in authenticator apps. */
  readonly issuer: string;
  /** argon2id off the event loop. */
  readonly passwords: PasswordPool;
  /**
   * A disabled account's SSH keys are removed (their "fresh until" marks end with the state
   * change itself: a database trigger, ssh-fresh-migrations.ts).
   */
  readonly sshKeys: Pick<SshKeyStore, 'listByUser' | 'remove'>;
}

/**
 * Told after an account was disabled (committed and audited), with who did it: access/ revokes
 * the account's grants (ending its live sessions through both gateways) and cancels its pending
 * requests. Registered in app.ts, because access/ is built after auth/.
 */
export type DisableListener = (user: User, actor: string) => void;

export interface CreateUserInput {
  readonly name: string;
  readonly displayName?: string;
  readonly roles: readonly RoleAssignment[];
  readonly company?: string;
  readonly contractEnd?: string;
  readonly canBreakGlass?: boolean;
  /** If absent, a strong password is generated. */
  readonly password?: string;
  /**
   * `enrolled` (the CLI bootstrap): a TOTP secret and recovery codes are created now and returned
   * once. `at-first-login` (portal/API): the user enrolls their own authenticator at first login.
   */
  readonly mfa?: 'enrolled' | 'at-first-login';
}

export interface CreatedUser {
  readonly user: User;
  /** Shown once; never stored in clear. */
  readonly password: string;
  readonly totpSecret: string | null;
  readonly totpUri: string | null;
  readonly recoveryCodes: readonly string[];
}

/** An account checked and with its password hashed, not stored yet (see `UserAdmin.prepareUser`). */
export interface PreparedUser {
  readonly input: CreateUserInput;
  readonly password: string;
  readonly passwordHash: string;
}

export interface UserChanges {
  readonly displayName?: string;
  readonly roles?: readonly RoleAssignment[];
  readonly canBreakGlass?: boolean;
  readonly state?: User['state'];
  readonly company?: string | null;
  readonly contractEnd?: string | null;
}

export class UserAdmin {
  private readonly disableListeners = new Set<DisableListener>();
  /** Told of every account change, made here or by SSO logins and SCIM (account-changes.ts). */
  readonly accountChanges = new AccountChanges();

  constructor(private readonly deps: UserAdminDeps) {}

  /** Registers a listener told of each account disabled from now on (see DisableListener). */
  onDisable(listener: DisableListener): void {
    this.disableListeners.add(listener);
  }

  /** Creates a site (site-admin.ts); kept here so the CLI and API have one account/site admin. */
  createSite(input: NewSite, actor: string): Site {
    return createSite(this.deps, input, actor);
  }

  /** Validates and creates an account (the password is hashed on the password threads). */
  async createUser(input: CreateUserInput, actor: string): Promise<CreatedUser> {
    return this.insertUser(await this.prepareUser(input), actor);
  }

  /**
   * The slow half of creating an account, outside any transaction: checks the input and hashes
   * the password off the event loop. `insertUser` stores the result (synchronously, so a caller
   * can commit it with other changes).
   */
  async prepareUser(input: CreateUserInput): Promise<PreparedUser> {
    const password = input.password ?? generatePassword();
    this.checkNewUser(input, password);
    // A generated password has 100 random bits: only a chosen one needs the estimate.
    if (input.password !== undefined) {
      const weak = await checkPasswordStrength(password, input.name, this.deps.passwords);
      if (weak !== undefined)
        throw new AirlockError('bad_request', 'user.weak_password', weak, {
          details: { field: 'password' },
        });
    }
    return { input, password, passwordHash: await this.deps.passwords.hash(password) };
  }

  /** The cheap checks of a new account (both halves run them: the name may be taken meanwhile). */
  private checkNewUser(input: CreateUserInput, password: string): void {
    const { deps } = this;
    if (!USER_NAME_PATTERN.test(input.name))
      throw new AirlockError(
        'bad_request',
        'user.bad_name',
        'user name must be 2-32 characters: a lowercase letter, then letters, digits, ".", "_", "-"',
        { details: { field: 'name' } },
      );
    if (deps.users.getByName(input.name) !== undefined)
      throw new AirlockError('conflict', 'user.exists', `user ${input.name} already exists`);
    if (input.roles.length === 0)
      throw new AirlockError('bad_request', 'user.no_role', 'a user needs at least one role', {
        details: { field: 'roles' },
      });
    checkRoles(this.deps.sites, input.roles);
    checkContract(input.roles, input.company ?? null, input.contractEnd ?? null);
    const weak = checkPasswordShape(password, input.name);
    if (weak !== undefined)
      throw new AirlockError('bad_request', 'user.weak_password', weak, {
        details: { field: 'password' },
      });
  }

  /** Stores a prepared account with its audit event, in one transaction (nested in the caller's, if any). */
  insertUser(prepared: PreparedUser, actor: string): CreatedUser {
    const { deps } = this;
    const { input, password, passwordHash } = prepared;
    this.checkNewUser(input, password);
    const now = deps.clock.now();
    const id = deps.ids.next('usr') as UserId;
    const enrolled = (input.mfa ?? 'enrolled') === 'enrolled';
    const totpSecret = enrolled ? generateSecret() : null;
    const recoveryCodes = enrolled ? generateRecoveryCodes() : [];
    writeTransaction(deps.db, () => {
      deps.users.insert({
        id,
        name: input.name,
        displayName: input.displayName ?? input.name,
        passwordHash,
        totpSecretSealed:
          totpSecret === null
            ? null
            : sealSecret(utf8(totpSecret), deps.secretsKey, totpAssociatedData(id)),
        totpEnrolledAt: totpSecret === null ? null : now,
        company: input.company ?? null,
        contractEnd: input.contractEnd ?? null,
        canBreakGlass: input.canBreakGlass ?? false,
        roles: input.roles,
        createdAt: now,
      });
      deps.recovery.replace(
        id,
        recoveryCodes.map((c) => hashRecoveryCode(id, c)),
      );
      const created = deps.audit.append({
        action: 'user.create',
        actor,
        target: input.name,
        outcome: 'success',
        details: {
          userId: id,
          roles: input.roles.map(formatRole),
          company: input.company ?? null,
          contractEnd: input.contractEnd ?? null,
          canBreakGlass: input.canBreakGlass ?? false,
          mfa: enrolled ? 'enrolled' : 'at-first-login',
        },
      });
      this.accountChanges.tell(created);
    })();
    const user = deps.users.getById(id);
    if (user === undefined)
      throw new AirlockError('internal', 'user.vanished', 'user was not stored');
    return {
      user,
      password,
      totpSecret,
      totpUri:
        totpSecret === null
          ? null
          : generateURI({ issuer: deps.issuer, label: input.name, secret: totpSecret }),
      recoveryCodes,
    };
  }

  /**
   * Changes a user's profile, roles, break-glass mark, state or contract. An admin cannot change
   * their own roles, mark or state: separation of duties needs a second admin for that.
   * Disabling ends every portal session and token of the user, removes their SSH keys and ends
   * their keys' "fresh until" marks in the same transaction, then tells the disable listeners
   * (grants revoked, live sessions ended, pending requests cancelled: the leaver's whole exit).
   */
  updateUser(id: string, changes: UserChanges, actor: Operator): User {
    const { deps } = this;
    requireAdmin(actor);
    const user = this.existing(id);
    const actorName = 'cli' in actor ? actor.cli : actor.name;
    if (
      !('cli' in actor) &&
      actor.id === user.id &&
      (changes.roles !== undefined ||
        changes.canBreakGlass !== undefined ||
        changes.state !== undefined)
    ) {
      throw new AirlockError(
        'access_denied',
        'user.self_change',
        'an admin cannot change their own roles, break-glass mark or state; ask another admin',
      );
    }
    const roles = changes.roles ?? user.roles;
    if (changes.roles !== undefined) {
      if (roles.length === 0)
        throw new AirlockError('bad_request', 'user.no_role', 'a user needs at least one role', {
          details: { field: 'roles' },
        });
      checkRoles(this.deps.sites, roles);
    }
    const company = changes.company === undefined ? user.company : changes.company;
    const contractEnd = changes.contractEnd === undefined ? user.contractEnd : changes.contractEnd;
    checkContract(roles, company, contractEnd);
    if (
      changes.displayName !== undefined &&
      (changes.displayName.trim() === '' || changes.displayName.length > 100)
    ) {
      throw new AirlockError(
        'bad_request',
        'user.bad_display_name',
        'display name must be 1-100 characters',
        { details: { field: 'displayName' } },
      );
    }
    const now = deps.clock.now();
    writeTransaction(deps.db, () => {
      if (changes.displayName !== undefined)
        deps.users.setDisplayName(user.id, changes.displayName.trim());
      if (changes.roles !== undefined) deps.users.replaceRoles(user.id, roles);
      if (changes.canBreakGlass !== undefined)
        deps.users.setCanBreakGlass(user.id, changes.canBreakGlass);
      if (changes.company !== undefined || changes.contractEnd !== undefined)
        deps.users.setContract(user.id, company, contractEnd);
      if (changes.state !== undefined) deps.users.setState(user.id, changes.state);
      const disabling = changes.state === 'disabled';
      const ended = disabling ? deps.sessions.endAllOfUser(user.id, 'account disabled') : 0;
      const keysRemoved = disabling ? this.removeSshKeys(user.id) : 0;
      const changed = deps.audit.append({
        action:
          changes.state === 'disabled' && user.state !== 'disabled'
            ? 'user.disable'
            : 'user.update',
        actor: actorName,
        target: user.name,
        outcome: 'success',
        details: {
          userId: user.id,
          ...omitUndefined({ displayName: changes.displayName?.trim() }),
          ...(changes.roles === undefined
            ? {}
            : { roles: roles.map(formatRole), previousRoles: user.roles.map(formatRole) }),
          ...omitUndefined({ canBreakGlass: changes.canBreakGlass }),
          ...omitUndefined({
            state: changes.state,
            sessionsEnded: changes.state === undefined ? undefined : ended,
            sshKeysRemoved: disabling ? keysRemoved : undefined,
          }),
          ...(changes.company === undefined && changes.contractEnd === undefined
            ? {}
            : { company, contractEnd }),
          at: now,
        },
      });
      this.accountChanges.tell(changed);
    })();
    const updated = this.existing(user.id);
    if (changes.state === 'disabled') this.tellDisabled(updated, actorName);
    return updated;
  }

  /** A disabled account's keys go: enabled again, it registers keys again (and logs in with a code). */
  private removeSshKeys(userId: string): number {
    const { deps } = this;
    let removed = 0;
    for (const k of deps.sshKeys.listByUser(userId))
      if (deps.sshKeys.remove(userId, k.id)) removed++;
    return removed;
  }

  /** Each listener in turn; one that throws does not keep the others from ending access. */
  private tellDisabled(user: User, actor: string): void {
    const failures: unknown[] = [];
    for (const l of this.disableListeners) {
      try {
        l(user, actor);
      } catch (e) {
        failures.push(e);
      }
    }
    if (failures.length > 0)
      throw new AirlockError(
        'internal',
        'user.disable_incomplete',
        'the account is disabled but ending its access failed',
        { cause: failures[0] },
      );
  }

  /** Lifts a login lock before its time runs out (credential-admin.ts). */
  unlock(name: string, actor: string): boolean {
    return unlockLogin(this.deps, name, actor);
  }

  /** Removes a user's second factor; they enroll again at next login (credential-admin.ts). */
  resetMfa(id: string, actor: Operator): void {
    requireAdmin(actor);
    resetMfa(this.deps, this.existing(id), actor);
  }

  /** Sets a new generated password, returned once (credential-admin.ts). */
  async resetPassword(id: string, actor: Operator): Promise<string> {
    requireAdmin(actor);
    return resetPassword(this.deps, this.existing(id), actor);
  }

  /** A user changes their own password, proving the current one (credential-admin.ts). */
  changeOwnPassword(
    user: User,
    current: string,
    next: string,
    keepSessionId: string,
  ): Promise<void> {
    return changeOwnPassword(this.deps, user, current, next, keepSessionId);
  }

  /** Every account with its login lock, for the admin pages. */
  listUsers(): { user: User; lockedUntil: number | null }[] {
    const now = this.deps.clock.now();
    return this.deps.users
      .list()
      .map((user) => ({ user, lockedUntil: this.deps.throttle.lockedUntil(user.name, now) }));
  }

  getUser(id: string): { user: User; lockedUntil: number | null } {
    const user = this.existing(id);
    return { user, lockedUntil: this.deps.throttle.lockedUntil(user.name, this.deps.clock.now()) };
  }

  private existing(id: string): User {
    const user = this.deps.users.getById(id);
    if (user === undefined) throw new AirlockError('not_found', 'user.not_found', `no user ${id}`);
    return user;
  }
}
