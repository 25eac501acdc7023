/** Users, roles, sites and site policy: the admin's API (admins manage; they never approve). */
import { AirlockError } from '../../../../shared/src/errors.js';
import { formatFingerprint } from '../../../../shared/src/crypto/hash.js';
import { parseRoleAssignment } from '../../auth/auth.js';
import type { RoleAssignment } from '../../store/store.js';
import type { AccessHttpServices } from '../http-services.js';
import {
  createSiteBody,
  createUserBody,
  gatewayRevokeBody,
  sitePolicyBody,
  updateUserBody,
} from './api-schemas.js';
import { filterUsers, parseListQuery, userListApiQuery } from '../list-filters.js';
import { op, type ApiOperation } from './api-registry.js';
import { grantJson, userJson } from './api-json.js';
import { omitUndefined, ifDefined } from '../../../../shared/src/omit-undefined.js';

export function parseRoles(texts: readonly string[]): RoleAssignment[] {
  return texts.map((t, i) => {
    const r = parseRoleAssignment(t);
    if (r === undefined)
      throw new AirlockError(
        'bad_request',
        'user.bad_role',
        `roles[${i}]: expected admin, engineer, vendor, ot-owner@<site> or auditor@<site>`,
        { details: { field: `roles[${i}]` } },
      );
    return r;
  });
}

export function adminOperations(s: AccessHttpServices): ApiOperation[] {
  const { userAdmin } = s.auth;
  const { policies, grants } = s.access;
  const admin = ['admin'] as const;
  return [
    op({
      method: 'get',
      path: '/admin/users',
      tag: 'admin',
      roles: admin,
      summary:
        'Every account with roles, MFA state and login lock; q searches name, display name, company, site; role and state filter',
      query: userListApiQuery,
      handler: ({ query }) => ({
        json: filterUsers(userAdmin.listUsers(), parseListQuery(userListApiQuery, query)).map((u) =>
          userJson(u.user, { lockedUntil: u.lockedUntil }),
        ),
      }),
    }),
    op({
      method: 'post',
      path: '/admin/users',
      tag: 'admin',
      roles: admin,
      summary:
        'Create an account with a generated password (returned once); the user enrolls TOTP at first login',
      body: createUserBody,
      responses: { 201: 'created', 409: 'name taken' },
      handler: async ({ user, body }) => {
        const created = await userAdmin.createUser(
          {
            name: body.name,
            roles: parseRoles(body.roles),
            mfa: 'at-first-login',
            ...omitUndefined({
              displayName: body.displayName,
              company: body.company,
              contractEnd: body.contractEnd,
              canBreakGlass: body.canBreakGlass,
            }),
          },
          user.name,
        );
        return { status: 201, json: { user: userJson(created.user), password: created.password } };
      },
    }),
    op({
      method: 'get',
      path: '/admin/users/:id',
      tag: 'admin',
      roles: admin,
      summary: 'One account',
      handler: ({ params }) => {
        const u = userAdmin.getUser(params.id ?? '');
        return { json: userJson(u.user, { lockedUntil: u.lockedUntil }) };
      },
    }),
    op({
      method: 'patch',
      path: '/admin/users/:id',
      tag: 'admin',
      roles: admin,
      summary:
        'Change an account: display name, roles, break-glass mark, state, company, contract end (not your own roles, mark or state)',
      body: updateUserBody,
      handler: ({ user, params, body }) => {
        const updated = userAdmin.updateUser(
          params.id ?? '',
          {
            ...omitUndefined({ displayName: body.displayName }),
            ...omitUndefined({
              roles: ifDefined(body.roles, parseRoles),
              canBreakGlass: body.canBreakGlass,
              state: body.state,
              company: body.company,
              contractEnd: body.contractEnd,
            }),
          },
          user,
        );
        return { json: userJson(updated) };
      },
    }),
    op({
      method: 'post',
      path: '/admin/users/:id/unlock',
      tag: 'admin',
      roles: admin,
      summary: 'Lift a login lock',
      handler: ({ user, params }) => ({
        json: {
          unlocked: userAdmin.unlock(userAdmin.getUser(params.id ?? '').user.name, user.name),
        },
      }),
    }),
    op({
      method: 'post',
      path: '/admin/users/:id/mfa-reset',
      tag: 'admin',
      roles: admin,
      summary: 'Remove the second factor (the user enrolls again at next login); sessions end',
      responses: { 204: 'reset' },
      handler: ({ user, params }) => (userAdmin.resetMfa(params.id ?? '', user), { status: 204 }),
    }),
    op({
      method: 'post',
      path: '/admin/users/:id/password-reset',
      tag: 'admin',
      roles: admin,
      summary: 'Set a new generated password (returned once); sessions end',
      handler: async ({ user, params }) => ({
        json: { password: await userAdmin.resetPassword(params.id ?? '', user) },
      }),
    }),
    op({
      method: 'post',
      path: '/admin/sites',
      tag: 'admin',
      roles: admin,
      summary: 'Create a site (its OT gateway then enrolls through the link)',
      body: createSiteBody,
      responses: { 201: 'created', 409: 'exists' },
      handler: ({ user, body }) => {
        const site = userAdmin.createSite(
          {
            id: body.id,
            timezone: body.timezone,
            ...omitUndefined({ displayName: body.displayName }),
          },
          user.name,
        );
        return {
          status: 201,
          json: { id: site.id, displayName: site.displayName, timezone: site.timezone },
        };
      },
    }),
    op({
      method: 'put',
      path: '/admin/sites/:site/policy',
      tag: 'admin',
      roles: admin,
      summary:
        "Set a site's access policy: approvals required (1-5), ticket reference format, and a shorter period for fresh SSH keys",
      body: sitePolicyBody,
      handler: ({ user, params, body }) => {
        const p = policies.set(user, params.site ?? '', body);
        return {
          json: {
            site: p.site,
            requiredApprovals: p.requiredApprovals,
            ticketPattern: p.ticketPattern,
            sshFreshMinutes: p.sshFreshMinutes,
            reevaluated: p.reevaluated,
          },
        };
      },
    }),
    op({
      method: 'get',
      path: '/admin/grants',
      tag: 'admin',
      roles: admin,
      summary: 'Every grant of every site (to revoke)',
      handler: ({ user }) => ({ json: grants.list(user).map(grantJson) }),
    }),
    ...siteGatewayOperations(s),
  ];
}

/** A site's OT gateway: enrollment tokens and revocation. */
function siteGatewayOperations(s: AccessHttpServices): ApiOperation[] {
  const enrollment = s.siteEnrollment;
  const admin = ['admin'] as const;
  return [
    op({
      method: 'post',
      path: '/admin/sites/:site/enrollment-tokens',
      tag: 'admin',
      roles: admin,
      summary:
        "Issue a one-time enrollment token for the site's OT gateway (returned once, with the IT certificate fingerprint the OT side must pin); supersedes unused ones",
      responses: { 201: 'issued', 404: 'no such site' },
      handler: ({ user, params }) => {
        const t = enrollment.issueToken(params.site ?? '', user.name);
        return {
          status: 201,
          json: {
            site: t.site,
            token: t.token,
            expiresAt: new Date(t.expiresAt).toISOString(),
            itFingerprint: formatFingerprint(t.itFingerprint),
          },
        };
      },
    }),
    op({
      method: 'post',
      path: '/admin/sites/:site/gateway/revoke',
      tag: 'admin',
      roles: admin,
      summary: "Revoke the site's OT gateway: its link is cut and it must enroll again",
      body: gatewayRevokeBody,
      responses: { 200: 'revoked', 404: 'no such site', 409: 'no active gateway' },
      handler: ({ user, params, body }) => {
        const g = enrollment.revoke(params.site ?? '', user.name, body.reason);
        return {
          json: {
            site: g.site,
            gatewayId: g.id,
            state: g.state,
            revokedAt: new Date(g.stateChangedAt).toISOString(),
          },
        };
      },
    }),
  ];
}
