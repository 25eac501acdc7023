/**
 * "Who was on this asset, on whose approval, and what did they do": the asset activity from
 * AuditSearch shaped per session for the auditor's one page and its API. Pure: it only reads the
 * events it is given (and asks `recording` about each session), so what the page shows is what the
 * audit logs say. A session with no `session.start` in the range (started before it) still shows,
 * with what the range holds; its grant, requester and approvers show whatever the range (the search
 * reads them from the IT log by grant and request id).
 */
import type { RecordingRow } from '../store/store.js';
import type { AssetActivity, AuditSearchHit } from './audit-search.js';

export interface ApprovalView {
  readonly approver: string;
  readonly time: number;
  readonly comment: string | null;
}

export interface AssetSessionView {
  readonly sessionId: string;
  readonly user: string;
  readonly start: number | null;
  readonly end: number | null;
  readonly grantId: string | null;
  readonly requestId: string | null;
  readonly requestedBy: string | null;
  readonly approvals: readonly ApprovalView[];
  /** `ssh.command*` and `ssh.file` events: exec commands, interactive lines, denials, transfers. */
  readonly commands: readonly AuditSearchHit[];
  /** Modbus writes, OPC UA writes and method calls (and their refusals). */
  readonly writes: readonly AuditSearchHit[];
  readonly recording: {
    readonly status: RecordingRow['status'];
    readonly playable: boolean;
  } | null;
}

/** The asset activity with its sessions shaped for the page (events: on the asset or linked to its sessions, grants and requests). */
export type AssetPageView = Omit<AssetActivity, 'sessions' | 'approvals'> & {
  readonly sessions: readonly AssetSessionView[];
};

const isCommand = (a: string): boolean => a.startsWith('ssh.command') || a === 'ssh.file';
const isWrite = (a: string): boolean =>
  a === 'modbus.write' ||
  a === 'opcua.write' ||
  a === 'opcua.call' ||
  a === 'modbus.deny' ||
  a === 'opcua.deny';
const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function assetPageView(
  a: AssetActivity,
  recording: (sessionId: string) => RecordingRow | undefined,
): AssetPageView {
  const requestOfGrant = new Map<string, string>();
  const requests = new Map<string, string>();
  const approvals = new Map<string, ApprovalView[]>();
  // `approvals` holds the grants' requests and approvals even from before the range.
  for (const h of a.approvals) {
    const e = h.event;
    if (e.action === 'grant.issue' && e.target !== null) {
      const r = text(e.details.requestId);
      if (r !== null) requestOfGrant.set(e.target, r);
    } else if (e.action === 'request.create' && e.target !== null) {
      requests.set(e.target, e.actor);
    } else if (e.action === 'request.approve' && e.target !== null) {
      const list = approvals.get(e.target) ?? [];
      list.push({ approver: e.actor, time: e.time, comment: text(e.details.comment) });
      approvals.set(e.target, list);
    }
  }
  const sessions = a.sessions.map((s): AssetSessionView => {
    const requestId = s.grantId === undefined ? null : (requestOfGrant.get(s.grantId) ?? null);
    const rec = recording(s.sessionId);
    return {
      sessionId: s.sessionId,
      user: s.events.find((h) => h.event.action === 'session.start')?.event.actor ?? s.actor,
      start: s.start ?? null,
      end: s.end ?? null,
      grantId: s.grantId ?? null,
      requestId,
      requestedBy: requestId === null ? null : (requests.get(requestId) ?? null),
      approvals: requestId === null ? [] : (approvals.get(requestId) ?? []),
      commands: s.events.filter((h) => isCommand(h.event.action)),
      writes: s.events.filter((h) => isWrite(h.event.action)),
      recording:
        rec === undefined ? null : { status: rec.status, playable: rec.status === 'verified' },
    };
  });
  return {
    site: a.site,
    asset: a.asset,
    from: a.from,
    to: a.to,
    sessions,
    events: a.events,
    incomplete: a.incomplete,
  };
}
