/**
 * The rules an account must satisfy, as functions shared by every path that creates or changes
 * one (admin API and portal, CLI, SSO and SCIM provisioning): the user name's shape, roles (per
 * site or not, the site must exist), a vendor's contract, who may administer accounts. Each throws
 * a bad_request/access_denied AirlockError naming the field; none changes anything.
 */
import { AirlockError } from '../../../shared/src/errors.js';
import { SITE_ROLES, type RoleAssignment, type SiteStore, type User } from '../store/store.js';

export const USER_NAME_PATTERN = /^[a-z][a-z0-9._-]{1,31}$/;

/** Who changes an account: a signed-in admin, or the gateway's CLI run by an operator (`{ cli: 'cli:root' }`). */
export type Operator = User | { readonly cli: string };

export function totpAssociatedData(userId: string): string {
  return `airlock:totp:${userId}`;
}

export function checkRoles(sites: Pick<SiteStore, 'get'>, roles: readonly RoleAssignment[]): void {
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
    if (r.site !== undefined && sites.get(r.site) === undefined)
      throw new AirlockError('bad_request', 'user.unknown_site', `unknown site ${r.site}`, {
        details: { field: 'roles' },
      });
  }
}

export function checkContract(
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
    throw new AirlockError('bad_request', 'user.bad_company', 'company must be 1-100 characters', {
      details: { field: 'company' },
    });
  }
}

export function requireAdmin(actor: Operator): void {
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
