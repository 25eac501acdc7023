/**
 * The hono application: security headers on every answer, JSON errors mapped in one place
 * (error-response.ts), every refused privileged action audited in one place (refusal-audit.ts),
 * and the route groups. Built from services passed in (no globals), so tests
 * drive it with `app.request()` in process.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { AirlockError, toAirlockError } from '../../../shared/src/errors.js';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Logger } from '../../../shared/src/log.js';
import type { HealthReporter } from '../status/status.js';
import type { SiteEnrollment } from '../sites/sites.js';
import { respondTooLarge, respondWithError } from './error-response.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes, type MetricsEndpoint } from './routes/metrics.js';
import { authenticate, type Authenticator, type HttpVariables } from './principal.js';
import { linkEnrollRoutes } from './routes/link-enroll.js';
import { MAX_BODY_BYTES } from './body.js';
import { csrfProtection } from './csrf.js';
import { auditRefusals } from './refusal-audit.js';
import { neutraliseHtml } from './html-output.js';
import type { AccessHttpServices } from './http-services.js';
import { API_PREFIX, apiRoutes } from './api/api-routes.js';
import { portalApps, portalErrorPage } from './portal/portal-app.js';
import type { Scim } from '../scim/scim.js';
import { scimRoutes } from './scim-routes.js';

/** Pages that embed xterm.js (web terminal, supervision, recording playback). */
const TERMINAL_PAGE = /^\/(terminal\/|sessions\/[^/]+\/watch$|recordings\/[^/]+$)/;

export interface HttpServices {
  readonly log: Logger;
  /** The IT audit log: refusals of privileged actions are written to it (refusal-audit.ts). */
  readonly audit: Pick<AuditLog, 'append'>;
  readonly health: HealthReporter;
  /** Prometheus metrics for scrapers with the metrics token (404 when off). */
  readonly metrics: MetricsEndpoint;
  /** Recognises portal sessions and API tokens; an unrecognised request has no principal. */
  readonly authenticator: Authenticator;
  /** The public OT gateway enrollment call (its admin API is in the API registry). */
  readonly enrollment: SiteEnrollment;
  /** The portal and /api/v1. */
  readonly portal: AccessHttpServices;
  /** SCIM provisioning at /scim/v2 (answers and errors in SCIM's own format). */
  readonly scim: Scim;
}

export function createHttpApp(services: HttpServices): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();
  app.use(
    '*',
    secureHeaders({
      strictTransportSecurity: 'max-age=31536000; includeSubDomains',
      xFrameOptions: 'DENY',
      // same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on form posts,
      // which would defeat the Origin check in csrf.ts.
      referrerPolicy: 'same-origin',
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // xterm.js sizes and colours its grid with <style> elements it creates: the terminal pages
        // (and only they) allow inline styles; scripts stay 'self' everywhere.
        styleSrc: [
          "'self'",
          (c) => (TERMINAL_PAGE.test(c.req.path) ? "'unsafe-inline'" : "'self'"),
        ],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    }),
  );
  app.use('*', async (c, next) => {
    await next();
    // Pages and answers carry personal and security data: never cached, unless a route says so.
    if (!c.res.headers.has('cache-control')) c.res.headers.set('cache-control', 'no-store');
  });
  app.use('*', neutraliseHtml());
  app.use(
    '*',
    bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => respondTooLarge(c, MAX_BODY_BYTES) }),
  );
  app.use('*', authenticate(services.authenticator));
  app.use('*', auditRefusals(services.audit, services.log));
  app.use('*', csrfProtection());
  app.route('/', healthRoutes(services.health));
  // Off: no route at all (a 404 like any unknown path), so nothing answers without credentials.
  if (services.metrics.enabled) app.route('/', metricsRoutes(services.metrics));
  app.route('/', linkEnrollRoutes(services.enrollment));
  app.route(API_PREFIX, apiRoutes(services.portal));
  app.route('/', scimRoutes(services.scim, services.log));
  for (const portal of portalApps(services.portal, services.log)) app.route('/', portal);
  app.notFound((c) =>
    respondWithError(
      c,
      new AirlockError(
        'not_found',
        'http.not_found',
        `no route for ${c.req.method} ${new URL(c.req.url).pathname}`,
      ),
    ),
  );
  const portalError = portalErrorPage(services.portal, services.log);
  app.onError((e, c) => {
    // Pages get an HTML answer (e.g. a CSRF refusal from the middleware); the API and probes JSON.
    const path = new URL(c.req.url).pathname;
    if (
      !path.startsWith(`${API_PREFIX}/`) &&
      !path.startsWith('/link/') &&
      path !== '/healthz' &&
      path !== '/metrics'
    )
      return portalError(e, c);
    const ae = toAirlockError(e);
    if (ae.kind === 'internal')
      services.log.error('request failed', {
        method: c.req.method,
        path: new URL(c.req.url).pathname,
        err: e,
      });
    return respondWithError(c, ae);
  });
  return app;
}
