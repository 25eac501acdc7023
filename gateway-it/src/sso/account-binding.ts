/**
 * Which account an SSO identity is: the one bound to its (issuer, subject), never one found by
 * e-mail or user name. A first login creates an account only when the provider allows it
 * (`jitCreate`) and the groups give a role; the new account's name comes from a claim and is made
 * unique, so an identity whose name or e-mail matches an existing account gets a new account, not
 * that one. On each login the account's roles become what its groups give (roles for sites that do
 * not exist are left out and named in the audit). Creation, binding and role changes are audited
 * in the transaction that makes them.
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import type { IdGenerator, UserId } from '../../../shared/src/ids.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import { AirlockError } from '../../../shared/src/errors.js';
import { USER_NAME_PATTERN, type AccountChanges } from '../auth/auth.js';
import type { SsoProviderConfig } from '../config/config.js';
import type { RoleAssignment, SiteStore, SsoStore, User, UserStore } from '../store/store.js';
import {
  baseUserName,
  displayNameOf,
  emailOf,
  groupsOf,
  rolesFromGroups,
  uniqueUserName,
} from './identity-claims.js';
import type { VerifiedClaims } from './provider-client.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export interface BindingDeps {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly users: UserStore;
  readonly sites: SiteStore;
  readonly sso: SsoStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** Told of each account created, re-roled or linked (auth/: quorum re-evaluation listens). */
  readonly accountChanges: Pick<AccountChanges, 'tell'>;
}

export type Binding =
  | { readonly ok: true; readonly user: User; readonly created: boolean }
  | { readonly ok: false; readonly reason: 'no-account' | 'no-role'; readonly user?: User };

const formatRole = (r: RoleAssignment): string =>
  r.site === undefined ? r.role : `${r.role}@${r.site}`;
const sameRoles = (a: readonly RoleAssignment[], b: readonly RoleAssignment[]): boolean =>
  a.length === b.length && a.map(formatRole).sort().join() === b.map(formatRole).sort().join();

export function bindAccount(
  deps: BindingDeps,
  providerId: string,
  provider: SsoProviderConfig,
  claims: VerifiedClaims,
): Binding {
  const { db, audit, users, sites, sso, clock } = deps;
  const groups = groupsOf(claims, provider.groupsClaim);
  const mapped = rolesFromGroups(groups, provider.roles);
  const roles = mapped.filter((r) => r.site === undefined || sites.get(r.site) !== undefined);
  const ignoredRoles = mapped.filter((r) => !roles.includes(r)).map(formatRole);
  const email = emailOf(claims);
  const now = clock.now();
  return writeTransaction(db, (): Binding => {
    const identity = sso.identity(claims.iss, claims.sub);
    const bound = identity === undefined ? undefined : users.getById(identity.userId);
    if (bound === undefined) {
      if (!provider.jitCreate) return { ok: false, reason: 'no-account' };
      if (roles.length === 0) return { ok: false, reason: 'no-role' };
      const name = uniqueUserName(
        baseUserName(claims, provider.userNameClaim),
        (n) => !USER_NAME_PATTERN.test(n) || users.getByName(n) !== undefined,
      );
      const id = deps.ids.next('usr') as UserId;
      users.insert({
        id,
        name,
        displayName: displayNameOf(claims, name),
        passwordHash: null,
        totpSecretSealed: null,
        totpEnrolledAt: null,
        company: null,
        contractEnd: null,
        canBreakGlass: false,
        roles,
        createdAt: now,
      });
      sso.bind({
        issuer: claims.iss,
        subject: claims.sub,
        userId: id,
        provider: providerId,
        email,
        createdAt: now,
      });
      sso.recordLogin(claims.iss, claims.sub, email, now);
      const created = audit.append({
        action: 'user.create',
        actor: `sso:${providerId}`,
        target: name,
        outcome: 'success',
        details: {
          userId: id,
          roles: roles.map(formatRole),
          via: 'oidc',
          issuer: claims.iss,
          subject: claims.sub,
          groups: groups.slice(0, 50),
          ...(ignoredRoles.length > 0 ? { ignoredRoles } : {}),
          mfa: 'at-first-login',
        },
      });
      deps.accountChanges.tell(created);
      const user = users.getById(id);
      if (user === undefined) throw new Error('account vanished in its own transaction');
      return { ok: true, user, created: true };
    }
    if (roles.length === 0) return { ok: false, reason: 'no-role', user: bound };
    sso.recordLogin(claims.iss, claims.sub, email, now);
    if (sameRoles(bound.roles, roles)) return { ok: true, user: bound, created: false };
    users.replaceRoles(bound.id, roles);
    const changed = audit.append({
      action: 'user.update',
      actor: `sso:${providerId}`,
      target: bound.name,
      outcome: 'success',
      details: {
        userId: bound.id,
        roles: roles.map(formatRole),
        previousRoles: bound.roles.map(formatRole),
        via: 'oidc-groups',
        groups: groups.slice(0, 50),
        ...(ignoredRoles.length > 0 ? { ignoredRoles } : {}),
      },
    });
    deps.accountChanges.tell(changed);
    const user = users.getById(bound.id) ?? bound;
    return { ok: true, user, created: false };
  })();
}

/**
 * Binds an existing account to an identity at a provider (an admin's act, for accounts made
 * before SSO or when `jitCreate` is off). Refused when the account or the identity is bound
 * already: one identity per account, and no identity moves silently to another account.
 */
export function linkAccount(
  deps: BindingDeps,
  link: { providerId: string; issuer: string; subject: string; userName: string; actor: string },
): User {
  const { db, audit, users, sso, clock } = deps;
  return writeTransaction(db, () => {
    const user = users.getByName(link.userName);
    if (user === undefined)
      throw new AirlockError('not_found', 'user.not_found', `no user ${link.userName}`);
    const taken = sso.identity(link.issuer, link.subject);
    if (taken !== undefined)
      throw new AirlockError(
        'conflict',
        'sso.identity_bound',
        `that identity is already bound to ${users.getById(taken.userId)?.name ?? taken.userId}`,
      );
    if (sso.identityOfUser(user.id) !== undefined)
      throw new AirlockError(
        'conflict',
        'sso.account_bound',
        `${user.name} is already bound to an SSO identity`,
      );
    sso.bind({
      issuer: link.issuer,
      subject: link.subject,
      userId: user.id,
      provider: link.providerId,
      email: null,
      createdAt: clock.now(),
    });
    const linked = audit.append({
      action: 'user.update',
      actor: link.actor,
      target: user.name,
      outcome: 'success',
      details: {
        userId: user.id,
        ssoLink: { provider: link.providerId, issuer: link.issuer, subject: link.subject },
      },
    });
    deps.accountChanges.tell(linked);
    return user;
  })();
}
