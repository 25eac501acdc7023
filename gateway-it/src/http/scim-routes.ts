/**
 * The SCIM boundary: `/scim/v2/*` handed to scim/ as a plain request, and its answers and errors
 * written here, once, as RFC 7644 wants them: `application/scim+json`, and errors as
 * `urn:ietf:params:scim:api:messages:2.0:Error` with `status` (a string) and `scimType` (3.12),
 * 401 with `WWW-Authenticate: Bearer`. Internal errors never expose their cause. SCIM clients
 * send no cookies and carry a bearer token, so the portal's CSRF check passes them through.
 */
import { Hono, type Context } from 'hono';
import { AirlockError, toAirlockError } from '../../../shared/src/errors.js';
import type { Logger } from '../../../shared/src/log.js';
import { ERROR_SCHEMA, SCIM_PREFIX, type Scim } from '../scim/scim.js';
import { STATUS_BY_KIND } from './error-response.js';
import { sourceAddress } from './request-source.js';

export const SCIM_CONTENT_TYPE = 'application/scim+json';

/** A body that is not JSON: 400 with scimType `invalidSyntax`. */
const scimBadSyntax = (message: string): AirlockError =>
  new AirlockError('bad_request', 'scim.invalid_syntax', message, {
    details: { scimType: 'invalidSyntax' },
  });

function scimJson(c: Context, status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': `${SCIM_CONTENT_TYPE}; charset=utf-8`, 'cache-control': 'no-store' },
  });
}

export function scimRoutes(scim: Scim, log: Logger): Hono {
  const app = new Hono();
  app.all(`${SCIM_PREFIX}/*`, async (c) => {
    const url = new URL(c.req.url);
    try {
      const reply = await scim.handle({
        method: c.req.method,
        path: url.pathname.slice(SCIM_PREFIX.length),
        query: url.searchParams,
        authorization: c.req.header('authorization'),
        body: async () => {
          const type = c.req.header('content-type') ?? '';
          if (!/^application\/(scim\+)?json\b/i.test(type))
            throw scimBadSyntax(`the body must be ${SCIM_CONTENT_TYPE} or application/json`);
          const text = await c.req.text();
          try {
            return JSON.parse(text) as unknown;
          } catch {
            throw scimBadSyntax('the body is not valid JSON');
          }
        },
        origin: url.origin,
        source: sourceAddress(c),
      });
      if (reply.body === undefined) return c.body(null, reply.status);
      const res = scimJson(c, reply.status, reply.body);
      if (reply.location !== undefined) res.headers.set('location', reply.location);
      return res;
    } catch (e) {
      const ae = toAirlockError(e);
      const status = STATUS_BY_KIND[ae.kind];
      if (ae.kind === 'internal')
        log.error('SCIM request failed', { method: c.req.method, path: url.pathname, err: e });
      const scimType = typeof ae.details.scimType === 'string' ? ae.details.scimType : undefined;
      const res = scimJson(c, status, {
        schemas: [ERROR_SCHEMA],
        status: String(status),
        ...(scimType === undefined ? {} : { scimType }),
        detail: ae.kind === 'internal' ? 'internal error' : ae.message,
      });
      if (status === 401) res.headers.set('www-authenticate', 'Bearer realm="airlock-scim"');
      return res;
    }
  });
  return app;
}
