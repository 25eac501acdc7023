/**
 * GET /metrics: the Prometheus text format, for a scraper holding the bearer token
 * (metrics/metrics.ts). Mounted only with a configured token (otherwise the path is unknown: 404);
 * 401 without the right one, before
 * anything is computed. The token is separate from users' API tokens: a scraper is not a person.
 */
import { Hono } from 'hono';
import { AirlockError } from '../../../../shared/src/errors.js';
import type { ItMetrics } from '../../metrics/metrics.js';

export type MetricsEndpoint = Pick<
  ItMetrics,
  'enabled' | 'isAuthorized' | 'contentType' | 'render'
>;

export function metricsRoutes(metrics: MetricsEndpoint): Hono {
  const app = new Hono();
  app.get('/metrics', async (c) => {
    if (!metrics.enabled)
      throw new AirlockError('not_found', 'http.not_found', 'no route for GET /metrics');
    if (!metrics.isAuthorized(c.req.header('authorization')))
      throw new AirlockError(
        'unauthenticated',
        'metrics.unauthorized',
        'GET /metrics needs Authorization: Bearer <the token in metrics.tokenFile>',
      );
    return c.body(await metrics.render(), 200, { 'content-type': metrics.contentType });
  });
  return app;
}
