/**
 * OT alerts: an OT gateway marks the events its OT owners must hear of at once with
 * `details.alert === true` (a target's changed host key, a failed credential rotation, a break-glass
 * credential that could not be rotated). Once such an event is ingested over the link (so it is
 * verified and in the IT copy of the site's chain), it becomes one `ot.alert` notification to the
 * site's OT owners. Only the flag decides: the IT side does not second-guess the site, and events
 * without it notify nobody. Nothing but what the event already carries leaves (never a secret:
 * OT audit details hold none).
 *
 * Not guaranteed: events ingested while no webhook is configured are not notified later; the audit
 * chain remains the record.
 */
import { isAuditAction, auditCode } from '../../../shared/src/audit/catalogue.js';
import type { AuditEvent } from '../../../shared/src/audit/audit-event.js';
import type { Notification } from './notification.js';

const text = (v: unknown, max: number): string | null =>
  typeof v === 'string' ? v.slice(0, max) : null;

export function otAlertNotifications(
  site: string,
  events: readonly AuditEvent[],
  owners: readonly string[],
): Notification[] {
  return events
    .filter((e) => e.details['alert'] === true)
    .map((e) => ({
      event: 'ot.alert',
      site,
      requestId: null,
      grantId: text(e.details['grantId'], 64),
      user: e.actor,
      actor: e.actor,
      assets:
        e.target === null
          ? []
          : [{ asset: e.target, profile: text(e.details['profile'], 64) ?? '' }],
      startsAt: e.time,
      endsAt: e.time,
      breakGlass: false,
      comment: text(e.details['message'], 300),
      recipients: owners,
      alert: {
        action: e.action,
        code: isAuditAction(e.action) ? auditCode(e.action) : '',
        seq: e.seq,
        outcome: e.outcome,
        target: e.target,
        reason: text(e.details['reason'], 100),
        message: text(e.details['message'], 300),
        time: e.time,
      },
    }));
}
