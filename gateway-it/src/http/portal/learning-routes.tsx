/** Portal route for a site's policy learning status: its OT owners and auditors only, read-only. */
import { Hono } from 'hono';
import { AirlockError } from '../../../../shared/src/errors.js';
import { isAuditorOf, isOtOwnerOf } from '../../access/access.js';
import type { AccessHttpServices } from '../http-services.js';
import type { HttpVariables } from '../principal.js';
import { LearningPage } from './learning-pages.js';
import { page, viewer } from './portal-context.js';

export function learningRoutes(s: AccessHttpServices): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();
  app.get('/sites/:site/learning', (c) => {
    const v = viewer(c, s);
    const summary = s.access.directory.get(v.user, c.req.param('site'));
    const id = summary.site.id;
    if (!isOtOwnerOf(v.user, id) && !isAuditorOf(v.user, id))
      throw new AirlockError(
        'access_denied',
        'learning.owners_auditors_only',
        `only the OT owners and auditors of ${id} see its policy learning`,
      );
    return page(
      c,
      v,
      `Policy learning: ${summary.site.displayName}`,
      <LearningPage
        tz={summary.site.timezone}
        now={s.clock.now()}
        snapshot={s.siteLearning.learningOf(id)}
      />,
    );
  });
  return app;
}
