/** Portal routes for dashboard, requests, decisions, grants, inbox and own account. */
import { canPackEvidence } from '../../audit/audit.js';
import { Hono } from 'hono';
import { z } from 'zod';
import { AirlockError } from '../../../../shared/src/errors.js';
import {
  isOtOwnerOf,
  decisionBar,
  isVendor,
  sitesWithRole,
  canRequest,
  isAdmin,
  fromLocal,
  quorumWarning,
  parseLocalDateTime,
  formatLocalInput,
  type AssetChoice,
} from '../../access/access.js';
import { parseFormBody } from '../body.js';
import type { AccessHttpServices } from '../http-services.js';
import type { HttpVariables } from '../principal.js';
import { noteRefusal } from '../refusal-audit.js';
import { Csrf } from './layout.js';
import { Dashboard, RequestForm, SitePicker, type RequestFormValues } from './access-pages.js';
import { GrantDetail, RequestDetail, grantTitle, requestTitle } from './request-pages.js';
import { Inbox } from './inbox-page.js';
import { many, page, viewer, type PortalContext } from './portal-context.js';
import { omitUndefined } from '../../../../shared/src/omit-undefined.js';

const picks = z.union([z.string().max(130), z.array(z.string().max(130)).max(200)]).optional();
const requestForm = z.strictObject({
  site: z.string().max(63),
  pick: picks,
  start: z.string().max(20),
  end: z.string().max(20),
  reason: z.string().max(1000),
  ticketRef: z.string().max(64).optional(),
});
const decideForm = z.strictObject({
  decision: z.enum(['approve', 'deny']),
  comment: z.string().max(1000),
  /** Owner-signed sites: the passkey's assertion (JSON) over the request's content. */
  response: z.string().max(40_000).optional(),
});
const reasonForm = z.strictObject({ reason: z.string().max(1000) });
const commentForm = z.strictObject({ comment: z.string().max(1000) });
const passwordForm = z.strictObject({
  currentPassword: z.string().max(256),
  newPassword: z.string().max(256),
});

/** `hmi-1:maintenance` choices from the asset selects; empty ones are "not requested". */
export function choicesOf(values: readonly string[]): AssetChoice[] {
  return values
    .filter((v) => v !== '')
    .map((v) => {
      const i = v.indexOf(':');
      return { asset: i < 0 ? v : v.slice(0, i), profile: i < 0 ? '' : v.slice(i + 1) };
    });
}

export function localToInstant(text: string, timeZone: string, field: string): number {
  const l = parseLocalDateTime(text);
  if (l === undefined)
    throw new AirlockError(
      'bad_request',
      'request.bad_time',
      `${field}: expected a date and time (YYYY-MM-DDTHH:MM)`,
      { details: { field } },
    );
  return fromLocal(l, timeZone);
}

export function accessRoutes(s: AccessHttpServices): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();
  const { requests, approvals, grants, checker, directory, windows, signatures } = s.access;
  const tz = (site: string): string => directory.timezoneOf(site);

  app.get('/', (c) => {
    const v = viewer(c, s);
    const host = new URL(c.req.url).hostname;
    const pending = requests.inbox(v.user).filter((i) => i.canDecide).length;
    const body = (
      <Dashboard
        user={v.user.name}
        requests={requests.mine(v.user)}
        grants={grants.mine(v.user)}
        usable={checker.usableNow(v.user.id, s.clock.now())}
        tz={tz}
        host={host}
        sshPort={s.ssh?.hint.port ?? 2222}
        pending={pending}
        held={s.reviews.pendingFor(v.user).filter((r) => r.requesterId !== v.user.id)}
        canRequest={canRequest(v.user)}
      />
    );
    return page(c, v, `Hello, ${v.user.displayName}`, body);
  });

  const renderForm = (
    c: PortalContext,
    siteId: string,
    values: RequestFormValues,
    error?: string,
    status?: 400 | 403 | 404,
  ): Response | Promise<Response> => {
    const v = viewer(c, s);
    const site = directory.get(v.user, siteId);
    const schedules = isVendor(v.user) ? windows.listSchedules(v.user, siteId) : [];
    const quorum = requests.quorumFor(v.user, siteId);
    return page(
      c,
      v,
      'Request access',
      <RequestForm
        site={site}
        csrf={v.csrf}
        values={values}
        windows={windows.listWindows(v.user, siteId)}
        schedules={schedules}
        isVendor={isVendor(v.user)}
        quorumWarning={quorumWarning(quorum) ?? null}
      />,
      { error, ...omitUndefined({ status }) },
    );
  };

  app.get('/requests/new', (c) => {
    const v = viewer(c, s);
    if (!canRequest(v.user))
      throw new AirlockError(
        'access_denied',
        'request.role',
        'only engineers and vendors can request access',
      );
    const site = c.req.query('site');
    if (site === undefined)
      return page(
        c,
        v,
        'Request access',
        <SitePicker sites={directory.visible(v.user)} action="/requests/new" />,
      );
    const now = s.clock.now();
    const zone = tz(site);
    return renderForm(c, site, {
      picks: [],
      // Now (the minute started): an approved grant is usable at once, not "scheduled".
      start: formatLocalInput(now, zone),
      end: formatLocalInput(now + 60 * 60_000, zone),
      reason: '',
      ticketRef: '',
    });
  });

  app.post('/requests', async (c) => {
    const v = viewer(c, s);
    const form = await parseFormBody(c, requestForm);
    const values: RequestFormValues = {
      picks: many(form.pick),
      start: form.start,
      end: form.end,
      reason: form.reason,
      ticketRef: form.ticketRef ?? '',
    };
    try {
      const zone = tz(form.site);
      const r = await requests.create(v.user, {
        site: form.site,
        assets: choicesOf(many(form.pick)),
        startsAt: localToInstant(form.start, zone, 'start'),
        endsAt: localToInstant(form.end, zone, 'end'),
        reason: form.reason,
        ticketRef: form.ticketRef,
      });
      return c.redirect(`/requests/${r.id}?notice=request-created`, 303);
    } catch (e) {
      if (e instanceof AirlockError && (e.kind === 'bad_request' || e.kind === 'access_denied')) {
        noteRefusal(c, e);
        return renderForm(c, form.site, values, e.message, e.kind === 'bad_request' ? 400 : 403);
      }
      throw e;
    }
  });

  app.get('/requests/:id', async (c) => {
    const v = viewer(c, s);
    const r = requests.get(v.user, c.req.param('id'));
    const owner = isOtOwnerOf(v.user, r.site);
    const own = r.requester.id === v.user.id;
    const bar = decisionBar(v.user, r.site, r.requester.id);
    const approvedByMe = r.decisions.some(
      (d) => d.approver === v.user.name && d.decision === 'approve',
    );
    const open =
      r.status === 'pending' ||
      (r.status === 'approved' &&
        r.grantId !== null &&
        grants.get(v.user, r.grantId).status === 'active');
    // Approve only while pending and not yet approved by the viewer; Deny stays (it closes the
    // request, or revokes the grant after approval).
    const decide =
      !owner || r.breakGlass || !open
        ? null
        : bar?.code === 'approval.self'
          ? {
              can: false,
              canApprove: false,
              why: 'Your own request: another OT owner of the site must decide.',
            }
          : bar !== undefined
            ? {
                can: false,
                canApprove: false,
                why: `${bar.why[0]?.toUpperCase() ?? ''}${bar.why.slice(1)}.`,
              }
            : r.status === 'pending' && approvedByMe
              ? {
                  can: true,
                  canApprove: false,
                  why: 'You approved it; waiting for more approvals. You can still deny it.',
                }
              : { can: true, canApprove: r.status === 'pending', why: null };
    const mode = signatures.modeOf(r.site).mode;
    const enrolled = signatures.credentialsOf(r.site, v.user.name).length > 0;
    // Options (a challenge for this request and this owner) only when they can sign now.
    // Passkeys switched off since (no usable public URL): the page still offers Deny.
    const signOptions =
      mode === 'owner-signed' && enrolled && decide?.canApprove === true
        ? await signatures.optionsFor(v.user, r.id).then(
            (o) => JSON.stringify(o),
            (e: unknown) => {
              if (e instanceof AirlockError && e.kind === 'unavailable') return null;
              throw e;
            },
          )
        : null;
    return page(
      c,
      v,
      requestTitle(r),
      <RequestDetail
        r={r}
        tz={tz(r.site)}
        csrf={v.csrf}
        canCancel={own && r.status === 'pending'}
        decide={decide}
        approvals={{ site: r.site, mode, isOwner: owner, enrolled, me: v.user.name }}
        signOptions={signOptions}
      />,
    );
  });

  app.post('/requests/:id/cancel', (c) => {
    const v = viewer(c, s);
    requests.cancel(v.user, c.req.param('id'));
    return c.redirect(`/requests/${c.req.param('id')}?notice=request-cancelled`, 303);
  });

  app.post('/requests/:id/decide', async (c) => {
    const v = viewer(c, s);
    const form = await parseFormBody(c, decideForm);
    const r = await approvals.decide(
      v.user,
      c.req.param('id'),
      form.decision,
      form.comment,
      form.response,
    );
    return c.redirect(
      `/requests/${r.request.id}?notice=${r.outcome === 'granted' ? 'granted' : r.outcome === 'revoked' ? 'revoked' : 'decided'}`,
      303,
    );
  });

  app.get('/grants/:id', (c) => {
    const v = viewer(c, s);
    const g = grants.get(v.user, c.req.param('id'));
    const canRevoke =
      g.status === 'active' &&
      (g.user.id === v.user.id || isOtOwnerOf(v.user, g.site) || isAdmin(v.user));
    const canReview = g.needsReview && isOtOwnerOf(v.user, g.site) && g.user.id !== v.user.id;
    return page(
      c,
      v,
      grantTitle(g),
      <GrantDetail
        g={g}
        tz={tz(g.site)}
        csrf={v.csrf}
        canRevoke={canRevoke}
        canReview={canReview}
        canPack={canPackEvidence(v.user, g.site)}
      />,
    );
  });

  app.post('/grants/:id/revoke', async (c) => {
    const v = viewer(c, s);
    const form = await parseFormBody(c, reasonForm);
    await grants.revoke(v.user, c.req.param('id'), form.reason);
    return c.redirect(`/grants/${c.req.param('id')}?notice=revoked`, 303);
  });

  app.post('/grants/:id/review', async (c) => {
    const v = viewer(c, s);
    const form = await parseFormBody(c, commentForm);
    grants.review(v.user, c.req.param('id'), form.comment);
    return c.redirect(`/grants/${c.req.param('id')}?notice=reviewed`, 303);
  });

  app.get('/inbox', (c) => {
    const v = viewer(c, s);
    const sites = sitesWithRole(v.user, 'ot-owner');
    if (sites.length === 0)
      throw new AirlockError('access_denied', 'auth.role_required', 'requires role ot-owner');
    const active = sites
      .flatMap((site) => grants.list(v.user, site))
      .filter((g) => g.state === 'active' || g.state === 'scheduled');
    return page(
      c,
      v,
      'OT owner inbox',
      <Inbox
        items={requests.inbox(v.user)}
        reviews={sites.flatMap((site) => grants.awaitingReview(site))}
        active={active}
        tz={tz}
      />,
    );
  });

  app.get('/account', (c) => {
    const v = viewer(c, s);
    const u = v.user;
    const body = (
      <>
        <section class="card">
          <p>
            {u.displayName} ({u.name}) — roles:{' '}
            {u.roles.map((r) => (r.site === undefined ? r.role : `${r.role}@${r.site}`)).join(', ')}
          </p>
          {u.company !== null && (
            <p>
              Company: {u.company}; contract ends {u.contractEnd ?? ''}
            </p>
          )}
          {u.canBreakGlass && <p>This account may take break-glass access.</p>}
          <p>
            <a href="/account/ssh-keys">SSH keys</a> for connecting with your own SSH client.
          </p>
          <p>
            <a href="/account/passkeys">Passkeys</a> for logging in without a password or code.
          </p>
          <p>
            <a href="/account/notifications">Notifications</a>: your e-mail address and what you are
            told by e-mail.
          </p>
        </section>
        <form class="card" method="post" action="/account/password">
          <Csrf token={v.csrf} />
          <label for="currentPassword">Current password</label>
          <input
            type="password"
            id="currentPassword"
            name="currentPassword"
            autocomplete="current-password"
            required
          />
          <label for="newPassword">New password (at least 12 characters)</label>
          <input
            type="password"
            id="newPassword"
            name="newPassword"
            autocomplete="new-password"
            required
            minlength={12}
          />
          <div class="actions">
            <button type="submit">Change password</button>
          </div>
        </form>
      </>
    );
    return page(c, v, 'My account', body);
  });

  app.post('/account/password', async (c) => {
    const v = viewer(c, s);
    const form = await parseFormBody(c, passwordForm);
    await s.auth.userAdmin.changeOwnPassword(
      v.user,
      form.currentPassword,
      form.newPassword,
      c.get('principal')?.sessionId ?? '',
    );
    return c.redirect('/account?notice=password-changed', 303);
  });

  return app;
}
