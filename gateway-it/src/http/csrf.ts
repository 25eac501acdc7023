/**
 * CSRF protection for every state-changing request (anything but GET, HEAD, OPTIONS):
 *  - a request a browser marks cross-site (Sec-Fetch-Site) or whose Origin is not this gateway's
 *    is refused, whatever it carries;
 *  - a request authenticated by the portal session cookie must echo the session's CSRF token
 *    (form field `_csrf` or header `X-CSRF-Token`), compared in constant time;
 *  - bearer-token requests carry no ambient credential and need no token; the login forms, before
 *    there is a session, check their own double-submit token (see portal login routes).
 */
import type { MiddlewareHandler } from 'hono';
import { AirlockError } from '../../../shared/src/errors.js';
import { constantTimeEqual } from '../../../shared/src/crypto/hash.js';
import type { HttpVariables } from './principal.js';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

const refuse = (code: string, message: string): AirlockError =>
  new AirlockError('access_denied', code, message);

export function csrfProtection(): MiddlewareHandler<{ Variables: HttpVariables }> {
  return async (c, next) => {
    if (SAFE.has(c.req.method)) return next();
    if (c.req.header('sec-fetch-site') === 'cross-site')
      throw refuse('csrf.cross_site', 'cross-site request refused');
    const origin = c.req.header('origin');
    if (origin !== undefined && origin !== new URL(c.req.url).origin)
      throw refuse('csrf.origin', 'request from another origin refused');
    const p = c.get('principal');
    if (p?.via !== 'session') return next();
    let token = c.req.header(CSRF_HEADER);
    if (
      token === undefined &&
      /^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(
        c.req.header('content-type') ?? '',
      )
    ) {
      const form = await c.req.parseBody();
      const v = form[CSRF_FIELD];
      token = typeof v === 'string' ? v : undefined;
    }
    if (
      token === undefined ||
      p.csrfToken === undefined ||
      p.csrfToken === null ||
      !constantTimeEqual(token, p.csrfToken)
    ) {
      throw refuse('csrf.token', 'missing or wrong CSRF token: reload the page and try again');
    }
    return next();
  };
}
