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
import { hashPassword } from '../../../shared/src/crypto/password-hash.js';
import { sealSecret } from '../../../shared/src/crypto/aead.js';
import { utf8 } from '../../../shared/src/crypto/encoding.js';
import { NAME_PATTERN } from '../../../shared/src/model/session-ticket.js';
import type { SiteStore, Site } from '../store/site-store.js';
import { SITE_ROLES, type RoleAssignment, type User, type UserStore } from '../store/user-store.js';
import { checkPasswordStrength, generatePassword } from './password-policy.js';

export interface UserAdminDeps {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly users: UserStore;
  readonly sites: SiteStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** Key that seals TOTP secrets at rest. */
  readonly secretsKey: Uint8Array;
  /** Shown in authenticator apps. */
  readonly issuer: string;
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
}

export interface CreatedUser {
  readonly user: User;
  /** Shown once; never stored in clear. */
  readonly password: string;
  readonly totpSecret: string;
  readonly totpUri: string;
}

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
    if (!NAME_PATTERN.test(input.id)) throw new AirlockError('bad_request', 'site.bad_name', 'site id must be a lowercase name: letters, digits, ".", "_", "-" (max 63)', { details: { field: 'id' } });
    if (!isValidTimezone(input.timezone)) throw new AirlockError('bad_request', 'site.bad_timezone', `unknown timezone "${input.timezone}" (expected an IANA name such as Europe/Berlin)`, { details: { field: 'timezone' } });
    if (deps.sites.get(input.id) !== undefined) throw new AirlockError('conflict', 'site.exists', `site ${input.id} already exists`);
    const site: Site = { id: input.id as SiteId, displayName: input.displayName ?? input.id, timezone: input.timezone, createdAt: deps.clock.now() };
    deps.db.transaction(() => {
      deps.sites.insert(site);
      deps.audit.append({ action: 'site.create', actor, site: site.id, target: site.id, outcome: 'success', details: { timezone: site.timezone, displayName: site.displayName } });
    })();
    return site;
  }

  createUser(input: CreateUserInput, actor: string): CreatedUser {
    const { deps } = this;
    if (!USER_NAME_PATTERN.test(input.name)) throw new AirlockError('bad_request', 'user.bad_name', 'user name must be 2-32 characters: a lowercase letter, then letters, digits, ".", "_", "-"', { details: { field: 'name' } });
    if (deps.users.getByName(input.name) !== undefined) throw new AirlockError('conflict', 'user.exists', `user ${input.name} already exists`);
    if (input.roles.length === 0) throw new AirlockError('bad_request', 'user.no_role', 'a user needs at least one role', { details: { field: 'roles' } });
    for (const r of input.roles) {
      const perSite = SITE_ROLES.includes(r.role);
      if (perSite && r.site === undefined) throw new AirlockError('bad_request', 'user.role_needs_site', `role ${r.role} is per site: name the site (${r.role}@<site>)`, { details: { field: 'roles' } });
      if (!perSite && r.site !== undefined) throw new AirlockError('bad_request', 'user.role_not_per_site', `role ${r.role} is not per site`, { details: { field: 'roles' } });
      if (r.site !== undefined && deps.sites.get(r.site) === undefined) throw new AirlockError('bad_request', 'user.unknown_site', `unknown site ${r.site}`, { details: { field: 'roles' } });
    }
    const isVendor = input.roles.some((r) => r.role === 'vendor');
    if (isVendor && (input.company === undefined || input.contractEnd === undefined)) {
      throw new AirlockError('bad_request', 'user.vendor_contract', 'a vendor needs a company and a contract end date', { details: { field: input.company === undefined ? 'company' : 'contractEnd' } });
    }
    if (input.contractEnd !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(input.contractEnd)) {
      throw new AirlockError('bad_request', 'user.bad_contract_end', 'contract end must be a date YYYY-MM-DD', { details: { field: 'contractEnd' } });
    }
    const password = input.password ?? generatePassword();
    const weak = checkPasswordStrength(password, input.name);
    if (weak !== undefined) throw new AirlockError('bad_request', 'user.weak_password', weak, { details: { field: 'password' } });

    const id = deps.ids.next('usr') as UserId;
    const totpSecret = generateSecret();
    const now = deps.clock.now();
    deps.db.transaction(() => {
      deps.users.insert({
        id,
        name: input.name,
        displayName: input.displayName ?? input.name,
        passwordHash: hashPassword(password),
        totpSecretSealed: sealSecret(utf8(totpSecret), deps.secretsKey, totpAssociatedData(id)),
        totpEnrolledAt: now,
        company: input.company ?? null,
        contractEnd: input.contractEnd ?? null,
        canBreakGlass: input.canBreakGlass ?? false,
        roles: input.roles,
        createdAt: now,
      });
      deps.audit.append({
        action: 'user.create',
        actor,
        target: input.name,
        outcome: 'success',
        details: { userId: id, roles: input.roles.map((r) => (r.site === undefined ? r.role : `${r.role}@${r.site}`)), company: input.company ?? null, contractEnd: input.contractEnd ?? null, canBreakGlass: input.canBreakGlass ?? false },
      });
    })();
    const user = deps.users.getById(id);
    if (user === undefined) throw new AirlockError('internal', 'user.vanished', 'user was not stored');
    return { user, password, totpSecret, totpUri: generateURI({ issuer: deps.issuer, label: input.name, secret: totpSecret }) };
  }
}

/** Parses `role` or `role@site` as given on the command line or in an API body. */
export function parseRoleAssignment(text: string): RoleAssignment | undefined {
  const [role, site, extra] = text.split('@');
  if (extra !== undefined || role === undefined) return undefined;
  if (!['admin', 'engineer', 'ot-owner', 'vendor', 'auditor'].includes(role)) return undefined;
  return site === undefined ? { role: role as RoleAssignment['role'] } : { role: role as RoleAssignment['role'], site };
}
