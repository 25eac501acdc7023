/**
 * Roles from SCIM group memberships: a provider-managed account's roles are what its groups give
 * through the provider's `roles` mapping in the SSO config (a mapping's `group` names a group by
 * displayName or externalId: Entra ID's object id). Roles for sites that do not exist are left out
 * and named in the audit. A change is written with a `user.update` event (`via: 'scim-groups'`)
 * in the caller's transaction: a mover's roles move, audited. The account's local roles are
 * replaced: for a provisioned account the identity provider is the source of truth.
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { UserAdmin } from '../auth/auth.js';
import type { SsoProviderConfig } from '../config/config.js';
import { rolesFromGroups } from '../sso/sso.js';
import type { RoleAssignment, ScimStore, SiteStore, UserStore } from '../store/store.js';

export interface RoleSyncDeps {
  readonly audit: AuditLog;
  readonly users: UserStore;
  readonly sites: SiteStore;
  readonly scim: ScimStore;
  readonly userAdmin: Pick<UserAdmin, 'accountChanges'>;
}

const formatRole = (r: RoleAssignment): string =>
  r.site === undefined ? r.role : `${r.role}@${r.site}`;
const key = (roles: readonly RoleAssignment[]): string => roles.map(formatRole).sort().join();

/** Gives each account in `userIds` the roles its groups give now; returns those whose roles changed. */
export function syncRoles(
  deps: RoleSyncDeps,
  provider: { readonly id: string; readonly config: SsoProviderConfig },
  userIds: Iterable<string>,
  because: string,
): string[] {
  const changed: string[] = [];
  for (const id of new Set(userIds)) {
    const user = deps.users.getById(id);
    if (user === undefined) continue;
    const groups = deps.scim.groupsOfUser(id);
    const names = groups.flatMap((g) =>
      g.externalId === null ? [g.displayName] : [g.displayName, g.externalId],
    );
    const mapped = rolesFromGroups(names, provider.config.roles);
    const roles = mapped.filter(
      (r) => r.site === undefined || deps.sites.get(r.site) !== undefined,
    );
    const ignoredRoles = mapped.filter((r) => !roles.includes(r)).map(formatRole);
    if (key(roles) === key(user.roles)) continue;
    deps.users.replaceRoles(id, roles);
    deps.userAdmin.accountChanges.tell(
      deps.audit.append({
        action: 'user.update',
        actor: `scim:${provider.id}`,
        target: user.name,
        outcome: 'success',
        details: {
          userId: id,
          roles: roles.map(formatRole),
          previousRoles: user.roles.map(formatRole),
          via: 'scim-groups',
          because,
          groups: groups.map((g) => g.displayName).slice(0, 50),
          ...(ignoredRoles.length > 0 ? { ignoredRoles } : {}),
        },
      }),
    );
    changed.push(id);
  }
  return changed;
}
