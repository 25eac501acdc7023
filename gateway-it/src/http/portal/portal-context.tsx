/** What every portal handler needs: the signed-in user, the CSRF token, break-glass alerts; rendering. */
import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import { AirlockError } from '../../../../shared/src/errors.js';
import { type GrantView, isOtOwnerOf } from '../../access/access.js';
import type { User } from '../../store/store.js';
import type { AccessHttpServices } from '../http-services.js';
import type { HttpVariables } from '../principal.js';
import { Layout } from './layout.js';

export type PortalContext = Context<{ Variables: HttpVariables }>;

export interface Viewer {
  readonly user: User;
  readonly csrf: string | null;
  readonly alerts: readonly GrantView[];
}

/** Fixed notices shown after a redirect (`?notice=...`): never free text from the URL. */
export const NOTICES: Readonly<Record<string, string>> = {
  'request-created': 'Request sent to the OT owners of the site.',
  'request-cancelled': 'Request withdrawn.',
  decided: 'Decision recorded.',
  granted: 'Approved: the grant is issued.',
  revoked: 'Grant revoked; its live sessions are being ended.',
  reviewed: 'Review recorded.',
  'window-added': 'Maintenance window added.',
  'window-removed': 'Maintenance window removed.',
  'schedule-added': 'Vendor schedule added.',
  'schedule-removed': 'Vendor schedule removed.',
  locked: 'Site locked down: live sessions end and no grant can be used.',
  unlocked: 'Lockdown lifted.',
  'lockdown-undelivered':
    "Recorded, but the site's OT gateway is not reachable now; it also enforces its own limits.",
  'user-updated': 'Account updated.',
  unlocked_user: 'Login lock lifted.',
  'mfa-reset': 'Second factor removed; the user enrolls again at next login.',
  'site-created': 'Site created.',
  'policy-saved': 'Site policy saved.',
  'password-changed': 'Password changed; your other sessions ended.',
  'break-glass': 'Emergency grant active. Every OT owner of the site has been alerted.',
  'session-ended': 'Session ended; the site has been told to close it.',
  'ssh-key-added': 'SSH key added.',
  'ssh-key-removed': 'SSH key removed.',
  'passkey-added': 'Passkey added: it now logs you in.',
  'passkey-renamed': 'Passkey renamed.',
  'passkey-revoked': 'Passkey revoked: it no longer logs you in.',
  'ssh-shift-ended': 'SSH shift ended: your next SSH login asks for a code.',
  'review-decided': 'Decision recorded and sent to the site.',
  'export-started': 'Export started: its progress shows below.',
  'play-requested': 'Playback requested: a second auditor or OT owner of the site decides.',
  'play-approved': 'Playback approved for the requester.',
  'play-refused': 'Playback refused.',
  'playback-policy-saved': 'Playback setting saved.',
  'export-requested':
    'Export approval requested: a second auditor or OT owner of the site decides on the playback approvals page.',
  'export-approved': 'Export approved for the requester (one export of that range, for an hour).',
  'export-refused': 'Export refused.',
  'notify-saved': 'Notification settings saved.',
  'webhook-added': 'Webhook added: the next notice about this site goes there too.',
  'webhook-removed': 'Webhook removed.',
};

export function viewer(c: PortalContext, s: AccessHttpServices): Viewer {
  const p = c.get('principal');
  // Pages take the portal session only; API tokens are for /api/v1.
  if (p?.user === undefined || p.via !== 'session')
    throw new AirlockError('unauthenticated', 'auth.required', 'authentication required');
  const sites = p.user.roles
    .filter((r) => r.role === 'ot-owner' && r.site !== undefined)
    .map((r) => r.site ?? '');
  const alerts = sites
    .filter((site) => isOtOwnerOf(p.user as User, site))
    .flatMap((site) => s.access.grants.awaitingReview(site));
  return { user: p.user, csrf: p.csrfToken ?? null, alerts };
}

export function page(
  c: PortalContext,
  v: Viewer,
  title: string,
  body: Child,
  options: { status?: 200 | 400 | 401 | 403 | 404 | 409 | 429; error?: string | undefined } = {},
): Response | Promise<Response> {
  const code = c.req.query('notice');
  const notice = code === undefined ? undefined : NOTICES[code];
  return c.html(
    <Layout
      title={title}
      user={v.user}
      csrf={v.csrf}
      alerts={v.alerts}
      notice={notice}
      error={options.error}
    >
      {body}
    </Layout>,
    options.status ?? 200,
  );
}

/** Repeated form values as an array, single ones as a one-element array. */
export function many<T extends string>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
