/** GET /healthz: public, for load balancers and the demo; says nothing secret. */
import { Hono } from 'hono';
import type { HealthReport } from '../../status/status.js';

export function healthRoutes(report: () => HealthReport): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json(report()));
  return app;
}
