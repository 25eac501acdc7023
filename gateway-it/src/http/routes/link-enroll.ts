/**
 * POST /link/v1/enroll: where an OT gateway enrolls (public: it is authenticated by the one-time
 * token in the body, over TLS the OT side pinned). Answers the IT gateway's ticket-signing key.
 */
import { Hono } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { ENROLL_PATH } from '../../../../shared/src/link/control-messages.js';
import {
  enrollRequestSchema,
  MAX_ENROLL_BODY_BYTES,
} from '../../../../shared/src/link/enrollment.js';
import type { SiteEnrollment } from '../../sites/sites.js';
import { limitBody, readJsonBody } from '../json-body.js';
import type { HttpVariables } from '../principal.js';

function remoteAddress(c: Parameters<typeof getConnInfo>[0]): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function linkEnrollRoutes(enrollment: SiteEnrollment): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();
  app.post(ENROLL_PATH, limitBody(MAX_ENROLL_BODY_BYTES), async (c) => {
    const body = await readJsonBody(c, enrollRequestSchema);
    return c.json(enrollment.enroll(body, remoteAddress(c)), 200, { 'cache-control': 'no-store' });
  });
  return app;
}
