/**
 * The portal's evidence pack downloads: POST /grants/:id/evidence-pack and
 * /windows/:id/evidence-pack answer with the signed pack (same checks and audit as the API,
 * api/evidence-api.ts). A refusal (no role at the site, four eyes required, busy) is the usual
 * error page, audited once.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { parseFormBody } from '../body.js';
import { evidenceDownload } from '../api/evidence-api.js';
import type { AccessHttpServices } from '../http-services.js';
import type { HttpVariables } from '../principal.js';
import { sourceAddress } from '../request-source.js';
import { viewer } from './portal-context.js';

const packForm = z.strictObject({ recordings: z.literal('off').optional() });

export function evidenceRoutes(s: AccessHttpServices): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();
  for (const kind of ['grant', 'window'] as const) {
    app.post(`/${kind}s/:id/evidence-pack`, async (c) => {
      const v = viewer(c, s);
      const form = await parseFormBody(c, packForm);
      const r = await evidenceDownload(s, v.user, {
        kind,
        id: c.req.param('id'),
        recordings: form.recordings !== 'off',
        source: sourceAddress(c),
      });
      const f = r.file;
      return c.body(f.stream, 200, {
        'content-type': f.contentType,
        'content-length': String(f.bytes),
        'content-disposition': `attachment; filename="${f.fileName}"`,
      });
    });
  }
  return app;
}
