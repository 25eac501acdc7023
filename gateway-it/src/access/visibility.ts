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

/** Why a user may not decide on an access request, as an error code and a sentence. */
export interface DecisionBar {
  readonly code: 'approval.not_site_owner' | 'approval.admin' | 'approval.self';
  readonly why: string;
}

/**
 * The one rule for who decides (approves or denies) an access request at `site` made by
 * `requesterId`: an OT owner of that site who is not an admin and not the requester. An admin
 * never decides, whatever other roles the account also holds: whoever can create accounts and
 * assign roles must not also be the one who lets a person into the plant (separation of duties;
 * docs/access.md). The approval service enforces it; the inbox and the portal show it.
 */
export function decisionBar(u: Actor, site: string, requesterId: string): DecisionBar | undefined {
  if (!isOtOwnerOf(u, site))
    return {
      code: 'approval.not_site_owner',
      why: `only an OT owner of ${site} can decide on this request`,
    };
  if (isAdmin(u))
    return {
      code: 'approval.admin',
      why: 'an admin never decides on access requests, even as an OT owner of the site; another OT owner must',
    };
  if (requesterId === u.id)
    return {
      code: 'approval.self',
      why: 'nobody decides on their own request; another OT owner must',
    };
  return undefined;
}

/** Whether `u` may read a request or grant of `ownerId` at `site`. */
export function canSeeAccess(u: Actor, ownerId: string, site: string): boolean {
  return u.id === ownerId || isOtOwnerOf(u, site) || isAuditorOf(u, site) || isAdmin(u);
}

/** Sites whose every request and grant `u` may read: those they own or audit; every site for an admin. */
export function sitesSeenWhole(
  deps: { readonly sites: { list(): readonly { readonly id: string }[] } },
  u: Actor,
): string[] {
  if (isAdmin(u)) return deps.sites.list().map((s) => s.id);
  return [...new Set([...sitesWithRole(u, 'ot-owner'), ...sitesWithRole(u, 'auditor')])];
}
