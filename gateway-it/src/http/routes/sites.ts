/**
 * Admin API for sites' OT gateways: issue an enrollment token (returned once, with the IT
 * certificate fingerprint the OT side must pin) and revoke a site's gateway. Creating and listing
 * sites (with their link state) is in the API registry (POST /admin/sites, GET /sites). Admin only.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { formatFingerprint } from '../../../../shared/src/crypto/hash.js';
import type { SiteEnrollment } from '../../sites/site-enrollment.js';
import { currentPrincipal, requireRole, type HttpVariables } from '../principal.js';
import { limitBody, readJsonBody } from '../json-body.js';

export interface SiteRoutesServices {
  readonly enrollment: SiteEnrollment;
}

const revokeSchema = z.strictObject({ reason: z.string().min(1).max(500) });

export function siteRoutes(services: SiteRoutesServices): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();
  app.use('/api/v1/admin/sites/:site/enrollment-tokens', requireRole('admin'));
  app.use('/api/v1/admin/sites/:site/gateway/*', requireRole('admin'));

  app.post('/api/v1/admin/sites/:site/enrollment-tokens', (c) => {
    const issued = services.enrollment.issueToken(c.req.param('site'), currentPrincipal(c).name);
    return c.json(
      { site: issued.site, token: issued.token, expiresAt: new Date(issued.expiresAt).toISOString(), itFingerprint: formatFingerprint(issued.itFingerprint) },
      201,
      { 'cache-control': 'no-store' },
    );
  });

  app.post('/api/v1/admin/sites/:site/gateway/revoke', limitBody(4096), async (c) => {
    const body = await readJsonBody(c, revokeSchema);
    const g = services.enrollment.revoke(c.req.param('site'), currentPrincipal(c).name, body.reason);
    return c.json({ site: g.site, gatewayId: g.id, state: g.state, revokedAt: new Date(g.stateChangedAt).toISOString() });
  });

  return app;
}
