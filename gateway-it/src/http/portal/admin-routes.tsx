/** Portal routes for admins: accounts and sites (the same services as /api/v1/admin). */
import { Hono } from 'hono';
import { filterUsers, parseListQuery, USER_ROLES, userListQuery } from '../list-filters.js';
import { ListFilterForm } from './list-filter-form.js';
import { z } from 'zod';
import { AirlockError } from '../../../../shared/src/errors.js';
import { formatFingerprint } from '../../../../shared/src/crypto/hash.js';
import { isAdmin } from '../../access/access.js';
import { parseFormBody } from '../body.js';
import type { AccessHttpServices } from '../http-services.js';
import type { HttpVariables } from '../principal.js';
import { parseRoles } from '../api/admin-api.js';
import { AdminSitesPage, SecretShownOnce, UserPage, UsersPage } from './admin-pages.js';
import { utcTime } from './format.js';
import { page, viewer, type PortalContext, type Viewer } from './portal-context.js';
import { omitUndefined, ifDefined } from '../../../../shared/src/omit-undefined.js';

const createUserForm = z.strictObject({
  name: z.string().max(32),
  displayName: z.string().max(100).optional(),
  roles: z.string().max(500),
  company: z.string().max(100).optional(),
  contractEnd: z.string().max(10).optional(),
  canBreakGlass: z.literal('on').optional(),
});
const updateUserForm = z.strictObject({
  displayName: z.string().max(100).optional(),
  roles: z.string().max(500).optional(),
  company: z.string().max(100).optional(),
  contractEnd: z.string().max(10).optional(),
  state: z.enum(['active', 'disabled']).optional(),
  canBreakGlass: z.literal('on').optional(),
});
const createSiteForm = z.strictObject({
  id: z.string().max(63),
  displayName: z.string().max(100).optional(),
  timezone: z.string().max(64),
});
const policyForm = z.strictObject({
  requiredApprovals: z.string().max(2),
  ticketPattern: z.string().max(200).optional(),
});

const splitRoles = (text: string): string[] =>
  text
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '');
const blankToNull = (v: string | undefined): string | null =>
  v === undefined || v.trim() === '' ? null : v.trim();

function adminViewer(c: PortalContext, s: AccessHttpServices): Viewer {
  const v = viewer(c, s);
  if (!isAdmin(v.user))
    throw new AirlockError('access_denied', 'auth.role_required', 'requires role admin');
  return v;
}

export function adminRoutes(s: AccessHttpServices): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();
  const { userAdmin } = s.auth;

  app.get('/admin/users', (c) => {
    const v = adminViewer(c, s);
    const f = parseListQuery(userListQuery, c.req.query());
    const users = filterUsers(userAdmin.listUsers(), f);
    return page(
      c,
      v,
      'Accounts',
      <>
        <ListFilterForm
          action="/admin/users"
          q={f.q}
          shown={users.length}
          selects={[
            { name: 'role', label: 'Role', options: USER_ROLES, value: f.role },
            { name: 'state', label: 'State', options: ['active', 'disabled'], value: f.state },
          ]}
        />
        <UsersPage users={users} csrf={v.csrf} />
      </>,
    );
  });

  app.post('/admin/users', async (c) => {
    const v = adminViewer(c, s);
    const f = await parseFormBody(c, createUserForm);
    const company = blankToNull(f.company);
    const contractEnd = blankToNull(f.contractEnd);
    const displayName = blankToNull(f.displayName);
    const created = await userAdmin.createUser(
      {
        name: f.name.trim(),
        roles: parseRoles(splitRoles(f.roles)),
        mfa: 'at-first-login',
        canBreakGlass: f.canBreakGlass === 'on',
        ...(company === null ? {} : { company }),
        ...(contractEnd === null ? {} : { contractEnd }),
        ...(displayName === null ? {} : { displayName }),
      },
      v.user.name,
    );
    c.header('cache-control', 'no-store');
    return page(
      c,
      v,
      'Account created',
      <SecretShownOnce
        what="Initial password"
        name={created.user.name}
        secret={created.password}
      />,
      { status: 200 },
    );
  });

  app.get('/admin/users/:id', (c) => {
    const v = adminViewer(c, s);
    const { user, lockedUntil } = userAdmin.getUser(c.req.param('id'));
    return page(
      c,
      v,
      `Account ${user.name}`,
      <UserPage
        u={user}
        lockedUntil={lockedUntil}
        csrf={v.csrf}
        self={user.id === v.user.id}
        sso={s.sso.identityOf(user.id)}
      />,
    );
  });

  app.post('/admin/users/:id', async (c) => {
    const v = adminViewer(c, s);
    const id = c.req.param('id');
    const f = await parseFormBody(c, updateUserForm);
    const self = id === v.user.id;
    userAdmin.updateUser(
      id,
      {
        ...omitUndefined({ displayName: f.displayName }),
        company: blankToNull(f.company),
        contractEnd: blankToNull(f.contractEnd),
        // Disabled inputs are not sent: for your own account these stay as they are.
        ...(self ? {} : { canBreakGlass: f.canBreakGlass === 'on' }),
        ...(self
          ? {}
          : omitUndefined({
              roles: ifDefined(f.roles, (r) => parseRoles(splitRoles(r))),
              state: f.state,
            })),
      },
      v.user,
    );
    return c.redirect(`/admin/users/${id}?notice=user-updated`, 303);
  });

  app.post('/admin/users/:id/unlock', (c) => {
    const v = adminViewer(c, s);
    const { user } = userAdmin.getUser(c.req.param('id'));
    userAdmin.unlock(user.name, v.user.name);
    return c.redirect(`/admin/users/${user.id}?notice=unlocked_user`, 303);
  });

  app.post('/admin/users/:id/mfa-reset', (c) => {
    const v = adminViewer(c, s);
    userAdmin.resetMfa(c.req.param('id'), v.user);
    return c.redirect(`/admin/users/${c.req.param('id')}?notice=mfa-reset`, 303);
  });

  app.post('/admin/users/:id/password-reset', async (c) => {
    const v = adminViewer(c, s);
    const { user } = userAdmin.getUser(c.req.param('id'));
    const password = await userAdmin.resetPassword(user.id, v.user);
    c.header('cache-control', 'no-store');
    return page(
      c,
      v,
      'Password reset',
      <SecretShownOnce what="New password" name={user.name} secret={password} />,
    );
  });

  app.get('/admin/sites', (c) => {
    const v = adminViewer(c, s);
    return page(
      c,
      v,
      'Site administration',
      <AdminSitesPage sites={s.access.directory.visible(v.user)} csrf={v.csrf} />,
    );
  });

  app.post('/admin/sites/:site/enrollment-token', (c) => {
    const v = adminViewer(c, s);
    const issued = s.siteEnrollment.issueToken(c.req.param('site'), v.user.name);
    c.header('cache-control', 'no-store');
    const note = `Valid until ${utcTime(issued.expiresAt)}. On the OT gateway, enroll with this token and pin the IT gateway certificate SHA-256 ${formatFingerprint(issued.itFingerprint)}.`;
    return page(
      c,
      v,
      'OT gateway enrollment token',
      <SecretShownOnce
        what="OT gateway enrollment token"
        name={issued.site}
        secret={issued.token}
        note={note}
        back={{ href: '/admin/sites', label: 'Back to sites' }}
      />,
    );
  });

  app.post('/admin/sites', async (c) => {
    const v = adminViewer(c, s);
    const f = await parseFormBody(c, createSiteForm);
    const displayName = blankToNull(f.displayName);
    userAdmin.createSite(
      {
        id: f.id.trim(),
        timezone: f.timezone.trim(),
        ...(displayName === null ? {} : { displayName }),
      },
      v.user.name,
    );
    return c.redirect('/admin/sites?notice=site-created', 303);
  });

  app.post('/admin/sites/:site/policy', async (c) => {
    const v = adminViewer(c, s);
    const f = await parseFormBody(c, policyForm);
    s.access.policies.set(v.user, c.req.param('site'), {
      requiredApprovals: Number(f.requiredApprovals),
      ticketPattern: blankToNull(f.ticketPattern),
    });
    return c.redirect('/admin/sites?notice=policy-saved', 303);
  });

  return app;
}
