/**
 * The portal: server-rendered pages over the same services as the API. Pages need a portal
 * session (cookie); without one a GET is sent to /login and anything else gets a 401 page. Errors
 * become an HTML page with the status from error-response.ts (the one mapping). Public here:
 * the login steps, logout and the two static files.
 */
import { evidenceRoutes } from './evidence-routes.js';
import { Hono, type ErrorHandler } from 'hono';
import { toAirlockError } from '../../../../shared/src/errors.js';
import type { Logger } from '../../../../shared/src/log.js';
import { STATUS_BY_KIND } from '../error-response.js';
import type { AccessHttpServices } from '../http-services.js';
import type { HttpVariables } from '../principal.js';
import { accessRoutes } from './access-routes.js';
import { adminRoutes } from './admin-routes.js';
import { auditRoutes } from './audit-routes.js';
import { breakGlassRoutes } from './break-glass-routes.js';
import { listRoutes } from './list-routes.js';
import { Layout } from './layout.js';
import { liveRoutes } from './live-routes.js';
import { notificationRoutes } from './notification-routes.js';
import { loginFailure, loginRoutes } from './login-routes.js';
import { ownerEnrollRoutes } from './owner-enroll-routes.js';
import { passkeyRoutes } from './passkey-routes.js';
import { PASSKEY_JS, WEBAUTHN_JS } from './passkey-assets.js';
import { viewer } from './portal-context.js';
import { siteRoutes } from './site-routes.js';
import { discoveryRoutes } from './discovery-routes.js';
import { learningRoutes } from './learning-routes.js';
import { sshKeyRoutes } from './ssh-key-routes.js';
import { sshConfirmRoutes } from './ssh-confirm-routes.js';
import { opcuaRoutes } from './opcua-routes.js';
import { PORTAL_CSS, PORTAL_JS } from './static-assets.js';
import { reviewRoutes } from './review-routes.js';
import { modbusPointsRoutes } from './modbus-points-routes.js';
import { setupRoutes } from './setup-routes.js';
import { ssoRoutes, SSO_PUBLIC_ROUTES } from './sso-routes.js';
import {
  recordingRoutes,
  terminalFileRoutes,
  terminalRoutes,
  TERMINAL_PUBLIC_ROUTES,
} from './terminal-routes.js';

/** Paths the portal serves without a session (the route-walk test checks this list). */
export const PORTAL_PUBLIC_ROUTES: readonly string[] = [
  'GET /login',
  'POST /login',
  'GET /login/mfa',
  'POST /login/mfa',
  'GET /login/enroll',
  'POST /login/enroll',
  'POST /login/passkey',
  'POST /login/mfa/passkey',
  'POST /logout',
  'GET /setup',
  'POST /setup',
  ...SSO_PUBLIC_ROUTES,
  'GET /static/portal.css',
  'GET /static/portal.js',
  'GET /static/webauthn.js',
  'GET /static/passkeys.js',
  ...TERMINAL_PUBLIC_ROUTES,
];

export function portalErrorPage(
  s: AccessHttpServices,
  log: Logger,
): ErrorHandler<{ Variables: HttpVariables }> {
  return (e, c) => {
    const ae = toAirlockError(e);
    if (ae.kind === 'unauthenticated')
      return c.req.method === 'GET'
        ? c.redirect('/login', 303)
        : c.html(
            <Layout title="Please log in" error="Your session has ended. Log in again." />,
            401,
          );
    if (ae.kind === 'internal')
      log.error('portal request failed', {
        method: c.req.method,
        path: new URL(c.req.url).pathname,
        err: e,
      });
    let frame = {};
    try {
      const v = viewer(c, s);
      frame = { user: v.user, csrf: v.csrf, alerts: v.alerts };
    } catch {
      // No session: a bare page.
    }
    return c.html(
      <Layout
        title="Not done"
        {...frame}
        error={ae.kind === 'internal' ? 'internal error' : ae.message}
      >
        <p>
          <a href="/">Back to the dashboard</a>
        </p>
      </Layout>,
      STATUS_BY_KIND[ae.kind],
    );
  };
}

export function portalApps(
  s: AccessHttpServices,
  log: Logger,
): Hono<{ Variables: HttpVariables }>[] {
  const onError = portalErrorPage(s, log);
  const apps = [
    loginRoutes(s),
    passkeyRoutes(s, loginFailure(s)),
    ssoRoutes(s),
    accessRoutes(s),
    breakGlassRoutes(s),
    listRoutes(s),
    siteRoutes(s),
    ownerEnrollRoutes(s),
    discoveryRoutes(s),
    learningRoutes(s),
    adminRoutes(s),
    sshKeyRoutes(s),
    sshConfirmRoutes(s),
    terminalRoutes(s, s.sessions),
    modbusPointsRoutes(s, s.modbus),
    opcuaRoutes(s, s.opcuaPoints),
    recordingRoutes(s, s.recordings),
    reviewRoutes(s, s.reviews),
    auditRoutes(s, s.audit),
    evidenceRoutes(s),
    setupRoutes(s),
    liveRoutes(s),
    notificationRoutes(s),
  ];
  for (const a of apps) a.onError(onError);
  const files = new Hono<{ Variables: HttpVariables }>();
  files.get('/static/portal.css', (c) =>
    c.body(PORTAL_CSS, 200, {
      'content-type': 'text/css; charset=utf-8',
      'cache-control': 'public, max-age=3600',
    }),
  );
  files.get('/static/portal.js', (c) =>
    c.body(PORTAL_JS, 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=3600',
    }),
  );
  for (const [path, body] of [
    ['/static/webauthn.js', WEBAUTHN_JS],
    ['/static/passkeys.js', PASSKEY_JS],
  ] as const)
    files.get(path, (c) =>
      c.body(body, 200, {
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': 'public, max-age=3600',
      }),
    );
  return [files, terminalFileRoutes(), ...apps];
}
