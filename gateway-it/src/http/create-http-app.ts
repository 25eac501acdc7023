/**
 * The hono application: security headers on every answer, JSON errors mapped in one place
 * (error-response.ts), and the route groups. Built from services passed in (no globals), so tests
 * drive it with `app.request()` in process.
 */
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { AirlockError, toAirlockError } from '../../../shared/src/errors.js';
import type { Logger } from '../../../shared/src/log.js';
import type { HealthReport } from '../status/health-report.js';
import { respondWithError } from './error-response.js';
import { healthRoutes } from './routes/health.js';
import { authenticate, nobody, type Authenticator, type HttpVariables } from './principal.js';
import { siteRoutes, type SiteRoutesServices } from './routes/sites.js';
import { linkEnrollRoutes } from './routes/link-enroll.js';

export interface HttpServices {
  readonly log: Logger;
  readonly health: () => HealthReport;
  /** Recognises portal sessions and API tokens; without one, every guarded route answers 401. */
  readonly authenticator?: Authenticator;
  /** Sites and OT gateway enrollment (admin API, and the public enrollment call). */
  readonly sites?: SiteRoutesServices;
}

export function createHttpApp(services: HttpServices): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();
  app.use(
    '*',
    secureHeaders({
      strictTransportSecurity: 'max-age=31536000; includeSubDomains',
      xFrameOptions: 'DENY',
      referrerPolicy: 'no-referrer',
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    }),
  );
  app.use('*', authenticate(services.authenticator ?? nobody));
  app.route('/', healthRoutes(services.health));
  if (services.sites !== undefined) {
    app.route('/', siteRoutes(services.sites));
    app.route('/', linkEnrollRoutes(services.sites.enrollment));
  }
  app.notFound((c) => respondWithError(c, new AirlockError('not_found', 'http.not_found', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`)));
  app.onError((e, c) => {
    const ae = toAirlockError(e);
    if (ae.kind === 'internal') services.log.error('request failed', { method: c.req.method, path: new URL(c.req.url).pathname, err: e });
    return respondWithError(c, ae);
  });
  return app;
}
