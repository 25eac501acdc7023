/**
 * Creating users and sites: the bootstrap path (CLI) and, later, the admin API. Every change is
 * written together with its audit event in one transaction. A new user gets a generated password
 * and an enrolled TOTP secret, returned exactly once to be handed over; neither is stored in clear.
 */
import { generateSecret, generateURI } from 'otplib';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { IdGenerator, SiteId, UserId } from '../../../shared/src/ids.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import type { PasswordPool } from '../../../shared/src/crypto/password-pool.js';
import { sealSecret } from '../../../shared/src/crypto/aead.js';
import { utf8 } from '../../../shared/src/crypto/encoding.js';
import { NAME_PATTERN } from '../../../shared/src/model/session-ticket.js';
import {
  type SiteStore,
  type Site,
  SITE_ROLES,
  type RoleAssignment,
  type User,
  type UserStore,
  type RecoveryCodeStore,
} from '../store/store.js';
import { checkPasswordShape, checkPasswordStrength, generatePassword } from './password-policy.js';
import type { LoginThrottle } from './login-throttle.js';
import type { SessionService } from './session-service.js';
import { generateRecoveryCodes, hashRecoveryCode } from './recovery-codes.js';
import { omitUndefined } from '../../../shared/src/omit-undefined.js';

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
}

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

/** Who changes an account: a signed-in admin, or the gateway's CLI run by an operator (`{ cli: 'cli:root' }`). */
export type Operator = User | { readonly cli: string };

export const USER_NAME_PATTERN = /^[a-z][a-z0-9._-]{1,31}$/;

export function totpAssociatedData(userId: string): string {
  return `airlock:totp:${userId}`;
}

export function isValidTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return tz.length > 0;
  } catch {
    return false;
  }
}

export class UserAdmin {
  constructor(private readonly deps: UserAdminDeps) {}

  createSite(input: { id: string; displayName?: string; timezone: string }, actor: string): Site {
    const { deps } = this;
    if (!NAME_PATTERN.test(input.id))
      throw new AirlockError(
        'bad_request',
        'site.bad_name',
        'site id must be a lowercase name: letters, digits, ".", "_", "-" (max 63)',
        { details: { field: 'id' } },
      );
    if (!isValidTimezone(input.timezone))
      throw new AirlockError(
        'bad_request',
        'site.bad_timezone',
        `unknown timezone "${input.timezone}" (expected an IANA name such as Europe/Berlin)`,
        { details: { field: 'timezone' } },
      );
    if (deps.sites.get(input.id) !== undefined)
      throw new AirlockError('conflict', 'site.exists', `site ${input.id} already exists`);
    const site: Site = {
      id: input.id as SiteId,
      displayName: input.displayName ?? input.id,
      timezone: input.timezone,
      createdAt: deps.clock.now(),
    };
    deps.db.transaction(() => {
      deps.sites.insert(site);
      deps.audit.append({
        action: 'site.create',
        actor,
        site: site.id,
        target: site.id,
        outcome: 'success',
        details: { timezone: site.timezone, displayName: site.displayName },
      });
    })();
    return site;
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
    this.checkRoles(input.roles);
    this.checkContract(input.roles, input.company ?? null, input.contractEnd ?? null);
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
    deps.db.transaction(() => {
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
      deps.audit.append({
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
   * Disabling ends every session and token of the user at once.
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
      this.checkRoles(roles);
    }
    const company = changes.company === undefined ? user.company : changes.company;
    const contractEnd = changes.contractEnd === undefined ? user.contractEnd : changes.contractEnd;
    this.checkContract(roles, company, contractEnd);
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
    deps.db.transaction(() => {
      if (changes.displayName !== undefined)
        deps.users.setDisplayName(user.id, changes.displayName.trim());
      if (changes.roles !== undefined) deps.users.replaceRoles(user.id, roles);
      if (changes.canBreakGlass !== undefined)
        deps.users.setCanBreakGlass(user.id, changes.canBreakGlass);
      if (changes.company !== undefined || changes.contractEnd !== undefined)
        deps.users.setContract(user.id, company, contractEnd);
      if (changes.state !== undefined) deps.users.setState(user.id, changes.state);
      const ended =
        changes.state === 'disabled' ? deps.sessions.endAllOfUser(user.id, 'account disabled') : 0;
      deps.audit.append({
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
          }),
          ...(changes.company === undefined && changes.contractEnd === undefined
            ? {}
            : { company, contractEnd }),
          at: now,
        },
      });
    })();
    return this.existing(user.id);
  }

  /** Lifts a login lock before its time runs out. */
  unlock(name: string, actor: string): boolean {
    const { deps } = this;
    return deps.db.transaction(() => {
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
  resetMfa(id: string, actor: Operator): void {
    const { deps } = this;
    requireAdmin(actor);
    const user = this.existing(id);
    if (!('cli' in actor) && actor.id === user.id)
      throw new AirlockError(
        'access_denied',
        'user.self_change',
        'an admin cannot reset their own second factor; ask another admin',
      );
    deps.db.transaction(() => {
      deps.users.setTotp(user.id, null, null);
      deps.recovery.clear(user.id);
      const ended = deps.sessions.endAllOfUser(user.id, 'second factor reset');
      deps.audit.append({
        action: 'mfa.reset',
        actor: 'cli' in actor ? actor.cli : actor.name,
        target: user.name,
        outcome: 'success',
        details: { userId: user.id, sessionsEnded: ended },
      });
    })();
  }

  /** Sets a new generated password (returned once) and ends the user's sessions. */
  async resetPassword(id: string, actor: Operator): Promise<string> {
    const { deps } = this;
    requireAdmin(actor);
    const user = this.existing(id);
    if (!('cli' in actor) && actor.id === user.id)
      throw new AirlockError(
        'access_denied',
        'user.self_change',
        'change your own password from your account page',
      );
    const password = generatePassword();
    const hash = await deps.passwords.hash(password);
    deps.db.transaction(() => {
      deps.users.setPasswordHash(user.id, hash);
      const ended = deps.sessions.endAllOfUser(user.id, 'password reset');
      deps.audit.append({
        action: 'user.password_change',
        actor: 'cli' in actor ? actor.cli : actor.name,
        target: user.name,
        outcome: 'success',
        details: { userId: user.id, by: 'admin-reset', sessionsEnded: ended },
      });
    })();
    return password;
  }

  /** A user changes their own password, proving the current one; other sessions end. */
  async changeOwnPassword(
    user: User,
    current: string,
    next: string,
    keepSessionId: string,
  ): Promise<void> {
    const { deps } = this;
    const hash = deps.users.credentials(user.id)?.passwordHash ?? null;
    if (hash === null || !(await deps.passwords.verify(hash, current)))
      throw new AirlockError(
        'bad_request',
        'user.wrong_password',
        'the current password is wrong',
        { details: { field: 'currentPassword' } },
      );
    const weak = await checkPasswordStrength(next, user.name, deps.passwords);
    if (weak !== undefined)
      throw new AirlockError('bad_request', 'user.weak_password', weak, {
        details: { field: 'newPassword' },
      });
    const newHash = await deps.passwords.hash(next);
    deps.db.transaction(() => {
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

  private checkRoles(roles: readonly RoleAssignment[]): void {
    for (const r of roles) {
      const perSite = SITE_ROLES.includes(r.role);
      if (perSite && r.site === undefined)
        throw new AirlockError(
          'bad_request',
          'user.role_needs_site',
          `role ${r.role} is per site: name the site (${r.role}@<site>)`,
          { details: { field: 'roles' } },
        );
      if (!perSite && r.site !== undefined)
        throw new AirlockError(
          'bad_request',
          'user.role_not_per_site',
          `role ${r.role} is not per site`,
          { details: { field: 'roles' } },
        );
      if (r.site !== undefined && this.deps.sites.get(r.site) === undefined)
        throw new AirlockError('bad_request', 'user.unknown_site', `unknown site ${r.site}`, {
          details: { field: 'roles' },
        });
    }
  }

  private checkContract(
    roles: readonly RoleAssignment[],
    company: string | null,
    contractEnd: string | null,
  ): void {
    const isVendor = roles.some((r) => r.role === 'vendor');
    if (isVendor && (company === null || contractEnd === null)) {
      throw new AirlockError(
        'bad_request',
        'user.vendor_contract',
        'a vendor needs a company and a contract end date',
        { details: { field: company === null ? 'company' : 'contractEnd' } },
      );
    }
    if (contractEnd !== null && !isIsoDate(contractEnd)) {
      throw new AirlockError(
        'bad_request',
        'user.bad_contract_end',
        'contract end must be a date YYYY-MM-DD',
        { details: { field: 'contractEnd' } },
      );
    }
    if (company !== null && (company.trim() === '' || company.length > 100)) {
      throw new AirlockError(
        'bad_request',
        'user.bad_company',
        'company must be 1-100 characters',
        { details: { field: 'company' } },
      );
    }
  }
}

function requireAdmin(actor: Operator): void {
  if (!('cli' in actor) && !actor.roles.some((r) => r.role === 'admin'))
    throw new AirlockError('access_denied', 'user.admin_only', 'only an admin manages accounts');
}

export function formatRole(r: RoleAssignment): string {
  return r.site === undefined ? r.role : `${r.role}@${r.site}`;
}

/** A real calendar date in YYYY-MM-DD form (2026-02-30 is not one). */
export function isIsoDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/** Parses `role` or `role@site` as given on the command line or in an API body. */
export function parseRoleAssignment(text: string): RoleAssignment | undefined {
  const [role, site, extra] = text.split('@');
  if (extra !== undefined || role === undefined) return undefined;
  if (!['admin', 'engineer', 'ot-owner', 'vendor', 'auditor'].includes(role)) return undefined;
  return site === undefined
    ? { role: role as RoleAssignment['role'] }
    : { role: role as RoleAssignment['role'], site };
}
