/**
 * Who may see and act on what, as plain predicates over the acting user's roles. OT owners and
 * auditors are bound to their sites; an admin sees every request and grant (to revoke) but never
 * approves; requesters see their own. Services call these before acting, so every face (portal,
 * API, CLI) gets the same rules; routes only add a coarse role guard in front.
 */
import type { Role, User } from '../store/store.js';

export type Actor = Pick<User, 'id' | 'name' | 'roles' | 'state' | 'contractEnd' | 'canBreakGlass'>;

export function hasRole(u: Pick<User, 'roles'>, role: Role, site?: string): boolean {
  return u.roles.some((r) => r.role === role && (site === undefined || r.site === site));
}

export const isAdmin = (u: Pick<User, 'roles'>): boolean => hasRole(u, 'admin');
export const isVendor = (u: Pick<User, 'roles'>): boolean => hasRole(u, 'vendor');
export const isOtOwnerOf = (u: Pick<User, 'roles'>, site: string): boolean =>
  hasRole(u, 'ot-owner', site);
export const isAuditorOf = (u: Pick<User, 'roles'>, site: string): boolean =>
  hasRole(u, 'auditor', site);
/** Engineers and vendors ask for access; nobody else does. */
export const canRequest = (u: Pick<User, 'roles'>): boolean =>
  hasRole(u, 'engineer') || hasRole(u, 'vendor');

/** Sites where the user holds a per-site role. */
export function sitesWithRole(u: Pick<User, 'roles'>, role: 'ot-owner' | 'auditor'): string[] {
  return u.roles.filter((r) => r.role === role && r.site !== undefined).map((r) => r.site ?? '');
}

/** Whether `u` may read a request or grant of `ownerId` at `site`. */
export function canSeeAccess(u: Actor, ownerId: string, site: string): boolean {
  return u.id === ownerId || isOtOwnerOf(u, site) || isAuditorOf(u, site) || isAdmin(u);
}
