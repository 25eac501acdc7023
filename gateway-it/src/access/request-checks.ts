/**
 * The field checks of a new request that need no other service: its times (sane, not in the
 * past beyond a grace, no longer than the longest grant) and its ticket reference (the site's
 * format, on the linear-time engine). Each refusal names the field.
 */
import { AirlockError } from '../../../shared/src/errors.js';
import { compileLinearRegex } from '../../../shared/src/text/linear-regex.js';
import type { AccessDeps } from './access-deps.js';

/** A start this far in the past is taken as "now" (forms take a moment to fill in). */
export const START_GRACE_MS = 5 * 60_000;

export function checkTimes(startsAt: number, endsAt: number, now: number, maxMs: number): void {
  if (!Number.isSafeInteger(startsAt) || !Number.isSafeInteger(endsAt))
    throw new AirlockError('bad_request', 'request.bad_time', 'start and end must be times', {
      details: { field: 'start' },
    });
  if (endsAt <= startsAt)
    throw new AirlockError('bad_request', 'request.end_before_start', 'end must be after start', {
      details: { field: 'end' },
    });
  if (startsAt < now - START_GRACE_MS)
    throw new AirlockError('bad_request', 'request.start_in_past', 'start is in the past', {
      details: { field: 'start' },
    });
  if (endsAt - startsAt > maxMs)
    throw new AirlockError(
      'bad_request',
      'request.too_long',
      `end: access may last at most ${Math.round(maxMs / 3_600_000)} hours`,
      { details: { field: 'end' } },
    );
}

export function checkTicketRef(
  deps: Pick<AccessDeps, 'policies'>,
  site: string,
  ticketRef: string | undefined,
): string | null {
  const t = (ticketRef ?? '').trim();
  if (t.length > 64)
    throw new AirlockError(
      'bad_request',
      'request.ticket_too_long',
      'ticketRef must be at most 64 characters',
      { details: { field: 'ticketRef' } },
    );
  const pattern = deps.policies.policy(site).ticketPattern;
  if (pattern !== null) {
    if (t === '')
      throw new AirlockError(
        'bad_request',
        'request.ticket_required',
        `ticketRef: site ${site} requires a ticket reference`,
        { details: { field: 'ticketRef' } },
      );
    const format = compileLinearRegex(pattern);
    // Set through SitePolicyService, which refuses what does not compile; a format stored before
    // the linear engine may not: fail closed, and say who can fix it.
    if (!format.ok)
      throw new AirlockError(
        'unavailable',
        'site.bad_ticket_pattern',
        `ticketRef: site ${site}'s ticket format cannot be used (${format.error}); an admin must set it again`,
        { details: { field: 'ticketRef' } },
      );
    if (!format.value.matchesWhole(t))
      throw new AirlockError(
        'bad_request',
        'request.ticket_pattern',
        `ticketRef: "${t}" does not match the site's ticket format ${pattern}`,
        { details: { field: 'ticketRef' } },
      );
  }
  return t === '' ? null : t;
}
