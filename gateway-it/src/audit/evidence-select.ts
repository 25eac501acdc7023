/**
 * Which chain events an evidence pack is about (docs/audit.md, "Evidence pack"). Given the subject's
 * grants and requests (one grant, or every grant of a maintenance window), it walks the site's IT
 * events, then its OT events, of the bundle's segments and keeps:
 *  - IT: events whose target is one of the requests or grants (request, approvals, grant issue,
 *    revoke, expiry, review), events whose details name one of them (`grantId`, `requestId`: session
 *    starts and ends, refusals), and the window's own events (`target` = the window id);
 *  - OT: events whose details name one of the grants, or one of the sessions found so far (a session
 *    is found by its `sessionId` on an event kept above), so a recording's close comes with it;
 *  - OT policy: the last event carrying `details.policySha256` at or before the range's start (the
 *    policy in force when the subject began; evidence-pack.ts starts the range at it) and every one
 *    inside the range.
 * Each kept event gets one role for the summary. Pure over the events it is given: it reads no
 * store, so it is the same for the CLI, the portal and the tests. Not guaranteed: that the events
 * given are the whole segment (the bundle's completeness check proves that, not this).
 */
import type { AuditEvent } from '../../../shared/src/audit/audit-event.js';
import type { EvidenceRef, EvidenceRole } from '../../../shared/src/export/evidence-manifest.js';

export interface EvidenceSubjectIds {
  readonly site: string;
  readonly grants: ReadonlySet<string>;
  readonly requests: ReadonlySet<string>;
  /** A window pack: the window's own events (create, delete) are kept too. */
  readonly windowId?: string;
  readonly from: number;
  readonly to: number;
}

export interface SelectedEvent {
  readonly log: 'it' | 'ot';
  readonly role: EvidenceRole;
  readonly event: AuditEvent;
}

export interface EvidenceSelection {
  readonly events: readonly SelectedEvent[];
  /** Sessions of the subject's grants, by id, in the order first seen. */
  readonly sessionIds: readonly string[];
}

const OPERATIONS = new Set([
  'modbus.write',
  'modbus.reads',
  'opcua.write',
  'opcua.call',
  'ssh.command',
  'ssh.file',
  'ssh.forward',
]);

function isRefusal(e: AuditEvent): boolean {
  return e.outcome === 'denied' || /[._]deny$/.test(e.action);
}

/** The one role an event plays in the pack (refusals first: a refused write is a refusal). */
export function roleOf(e: AuditEvent): EvidenceRole {
  if (isRefusal(e)) return 'refusal';
  if (e.action === 'request.approve') return 'approval';
  const noun = e.action.slice(0, e.action.indexOf('.'));
  if (OPERATIONS.has(e.action)) return 'operation';
  if (typeof e.details.policySha256 === 'string') return 'policy';
  switch (noun) {
    case 'request':
      return 'request';
    case 'grant':
      return 'grant';
    case 'session':
      return 'session';
    case 'recording':
      return 'recording';
    default:
      return 'other';
  }
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export async function selectEvidence(
  subject: EvidenceSubjectIds,
  it: AsyncIterable<AuditEvent>,
  ot: AsyncIterable<AuditEvent> | undefined,
): Promise<EvidenceSelection> {
  const out: SelectedEvent[] = [];
  const sessions = new Set<string>();
  const keep = (log: 'it' | 'ot', e: AuditEvent): void => {
    out.push({ log, role: roleOf(e), event: e });
    const s = text(e.details.sessionId);
    if (s !== undefined) sessions.add(s);
  };
  const namesGrant = (e: AuditEvent): boolean => {
    const g = text(e.details.grantId);
    const r = text(e.details.requestId);
    return (
      (g !== undefined && subject.grants.has(g)) || (r !== undefined && subject.requests.has(r))
    );
  };
  for await (const e of it) {
    if (e.site !== subject.site) continue; // the bundle withholds it
    const t = e.target ?? '';
    if (
      subject.grants.has(t) ||
      subject.requests.has(t) ||
      (subject.windowId !== undefined && t === subject.windowId) ||
      namesGrant(e)
    )
      keep('it', e);
  }
  if (ot !== undefined) {
    let policyBefore: AuditEvent | undefined;
    for await (const e of ot) {
      const s = text(e.details.sessionId);
      if (namesGrant(e) || (s !== undefined && sessions.has(s))) {
        keep('ot', e);
        continue;
      }
      if (typeof e.details.policySha256 !== 'string') continue;
      if (e.time <= subject.from) policyBefore = e;
      else if (e.time <= subject.to) keep('ot', e);
    }
    if (policyBefore !== undefined) out.push({ log: 'ot', role: 'policy', event: policyBefore });
  }
  out.sort((a, b) => (a.log === b.log ? a.event.seq - b.event.seq : a.log === 'it' ? -1 : 1));
  return { events: out, sessionIds: [...sessions] };
}

/** The signed list of the manifest. */
export function evidenceRefs(selection: EvidenceSelection): EvidenceRef[] {
  return selection.events.map((s) => ({
    log: s.log,
    seq: s.event.seq,
    hash: s.event.hash,
    role: s.role,
  }));
}
