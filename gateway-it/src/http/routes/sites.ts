/**
 * Admin API for sites and their OT gateways: create and list sites (with link state), issue an
 * enrollment token (returned once, with the IT certificate fingerprint the OT side must pin), and
 * revoke a site's gateway. All routes require the admin role.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { AirlockError } from '../../../../shared/src/errors.js';
import { formatFingerprint } from '../../../../shared/src/crypto/hash.js';
import type { Site } from '../../store/site-store.js';
import type { SiteDirectory } from '../../sites/site-directory.js';
import type { SiteEnrollment } from '../../sites/site-enrollment.js';
import { currentPrincipal, requireRole, type HttpVariables } from '../principal.js';
import { limitBody, readJsonBody } from '../json-body.js';

export interface SiteRoutesServices {
  readonly directory: SiteDirectory;
  readonly createSite: (input: { id: string; displayName?: string; timezone: string }, actor: string) => Site;
  readonly enrollment: SiteEnrollment;
}

const createSiteSchema = z.strictObject({
  id: z.string().min(1).max(63),
  timezone: z.string().min(1).max(64),
  displayName: z.string().min(1).max(120).optional(),
});

const revokeSchema = z.strictObject({ reason: z.string().min(1).max(500) });

export function siteRoutes(services: SiteRoutesServices): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();
  app.use('/api/v1/sites', requireRole('admin'));
  app.use('/api/v1/sites/*', requireRole('admin'));

  app.get('/api/v1/sites', (c) => c.json({ sites: services.directory.list() }));

  app.post('/api/v1/sites', limitBody(4096), async (c) => {
    const body = await readJsonBody(c, createSiteSchema);
    const site = services.createSite({ id: body.id, timezone: body.timezone, ...(body.displayName === undefined ? {} : { displayName: body.displayName }) }, currentPrincipal(c).name);
    return c.json({ site: services.directory.get(site.id) }, 201);
  });

  app.get('/api/v1/sites/:site', (c) => {
    const site = services.directory.get(c.req.param('site'));
    if (site === undefined) throw new AirlockError('not_found', 'site.not_found', `site ${c.req.param('site')} does not exist`);
    return c.json({ site });
  });

  app.post('/api/v1/sites/:site/enrollment-tokens', (c) => {
    const issued = services.enrollment.issueToken(c.req.param('site'), currentPrincipal(c).name);
    return c.json(
      { site: issued.site, token: issued.token, expiresAt: new Date(issued.expiresAt).toISOString(), itFingerprint: formatFingerprint(issued.itFingerprint) },
      201,
      { 'cache-control': 'no-store' },
    );
  });

  app.post('/api/v1/sites/:site/gateway/revoke', limitBody(4096), async (c) => {
    const body = await readJsonBody(c, revokeSchema);
    const g = services.enrollment.revoke(c.req.param('site'), currentPrincipal(c).name, body.reason);
    return c.json({ site: g.site, gatewayId: g.id, state: g.state, revokedAt: new Date(g.stateChangedAt).toISOString() });
  });

  return app;
}
