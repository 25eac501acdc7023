/**
 * Every refusal of a privileged action at the portal or the API is an audit event: the one place
 * that writes it, beside the one place errors become a status (error-response.ts). It runs around
 * every route, after the principal is known; when the answer is a 403 (`access_denied`) or a 404
 * (`not_found`) from an AirlockError, it appends `access.deny` with the actor, the site and target
 * the service named (else the route's `:site`, and the path, which names the object in every
 * route), the refusal's code, the route and the source address.
 *
 * Not audited here, on purpose (docs/audit.md): requests without a principal (a 401 or a login
 * refusal is not a privileged action, and a flood of anonymous probes must not flood the chain;
 * logins are audited by the login service), paths that match no route (nothing was attempted),
 * and refusals the service has already audited with their own event (`AirlockError.audited`:
 * `review.decide`, `recording.play`, `recording.play_approve`, `session.deny`, `setup.refuse`), so
 * each refusal is exactly one event. A portal form that shows a refusal inside the form instead of
 * throwing hands the error to `noteRefusal` so it passes here too.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { Logger } from '../../../shared/src/log.js';
import { STATUS_BY_KIND } from './error-response.js';
import type { HttpVariables } from './principal.js';
import { sourceAddress } from './request-source.js';

/** Records a refusal a handler answered itself (a form re-rendered with the message). */
export function noteRefusal(c: Context, e: AirlockError): void {
  c.error = e;
}

/** The `:site` of the matched route, when it has one (a refusal before the service named it). */
function routeSite(c: Context): string | undefined {
  try {
    const site = c.req.param('site') as string | undefined;
    return site === undefined || site === '' ? undefined : site;
  } catch {
    return undefined; // no route matched
  }
}

export function auditRefusals(
  audit: Pick<AuditLog, 'append'>,
  log: Logger,
): MiddlewareHandler<{ Variables: HttpVariables }> {
  return async (c, next) => {
    await next();
    const e = c.error;
    if (!(e instanceof AirlockError) || e.audited) return;
    if (e.kind !== 'access_denied' && e.kind !== 'not_found') return;
    const p = c.get('principal');
    if (p === undefined) return;
    const path = new URL(c.req.url).pathname;
    const source = sourceAddress(c);
    try {
      audit.append({
        action: 'access.deny',
        actor: p.name,
        site: e.subject.site ?? routeSite(c) ?? null,
        target: e.subject.target ?? path,
        outcome: 'denied',
        details: {
          code: e.code,
          status: STATUS_BY_KIND[e.kind],
          method: c.req.method,
          path,
          source,
          via: p.via,
        },
      });
    } catch (err) {
      // The action was refused either way; a refusal that could not be recorded is logged loudly.
      log.error('refusal not audited', { code: e.code, path, actor: p.name, err });
    }
  };
}
