/** Portal route for a site's discovery results: its OT owners only, read-only. */
import { Hono } from 'hono';
import { AirlockError } from '../../../../shared/src/errors.js';
import { isOtOwnerOf } from '../../access/access.js';
import type { AccessHttpServices } from '../http-services.js';
import type { HttpVariables } from '../principal.js';
import { DiscoveryPage } from './discovery-pages.js';
import { page, viewer } from './portal-context.js';

export function discoveryRoutes(s: AccessHttpServices): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();
  app.get('/sites/:site/discovery', (c) => {
    const v = viewer(c, s);
    const summary = s.access.directory.get(v.user, c.req.param('site'));
    const id = summary.site.id;
    if (!isOtOwnerOf(v.user, id))
      throw new AirlockError(
        'access_denied',
        'discovery.owners_only',
        `only the OT owners of ${id} see its discovery results`,
      );
    return page(
      c,
      v,
      `Discovery: ${summary.site.displayName}`,
      <DiscoveryPage
        site={id}
        tz={summary.site.timezone}
        snapshot={s.siteDiscovery.discoveryOf(id)}
      />,
    );
  });
  return app;
}
