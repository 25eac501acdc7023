/**
 * Notices this subsystem derives from audited actions, so the services that act need not know of
 * notifications: `review.request` (success: a site holds a command line for review) becomes
 * `review.held` to the site's OT owners; `recording.play_request` becomes `playback.requested` to
 * those who may approve it (OT owners and auditors of the site). The person who asked is never among
 * the recipients. The held line itself is not carried: it may hold a secret (see message-text.ts).
 */
import type { AuditEvent } from '../../../shared/src/audit/audit-event.js';
import type { RecordingRow } from '../store/store.js';
import type { Notification } from './notification.js';

export interface DerivedLookups {
  owners(site: string): string[];
  auditors(site: string): string[];
  recording(sessionId: string): Pick<RecordingRow, 'asset' | 'startedAt'> | undefined;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function derivedNotification(e: AuditEvent, look: DerivedLookups): Notification | undefined {
  if (e.outcome !== 'success' || e.site === null) return undefined;
  const site = e.site;
  if (e.action === 'review.request') {
    const requester = str(e.details['requester']);
    if (requester === null) return undefined;
    const expires = e.details['expiresAt'];
    return {
      event: 'review.held',
      site,
      requestId: null,
      grantId: null,
      user: requester,
      actor: requester,
      assets: e.target === null ? [] : [{ asset: e.target, profile: '' }],
      startsAt: e.time,
      endsAt: typeof expires === 'number' ? expires : e.time,
      breakGlass: false,
      comment: null,
      recipients: look.owners(site).filter((o) => o !== requester),
      ...omitNull({ sessionId: str(e.details['sessionId']) }),
    };
  }
  if (e.action === 'recording.play_request') {
    const sessionId = str(e.details['sessionId']);
    const rec = sessionId === null ? undefined : look.recording(sessionId);
    const approvers = [...new Set([...look.owners(site), ...look.auditors(site)])];
    return {
      event: 'playback.requested',
      site,
      requestId: str(e.details['requestId']),
      grantId: null,
      user: e.actor,
      actor: e.actor,
      assets: e.target === null ? [] : [{ asset: e.target, profile: '' }],
      startsAt: rec?.startedAt ?? e.time,
      endsAt: e.time,
      breakGlass: false,
      comment: str(e.details['reason']),
      recipients: approvers.filter((a) => a !== e.actor),
      ...omitNull({ sessionId }),
    };
  }
  return undefined;
}

const omitNull = (o: { sessionId: string | null }): { sessionId?: string } =>
  o.sessionId === null ? {} : { sessionId: o.sessionId };
