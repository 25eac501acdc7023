/**
 * The two members that make an export an evidence pack: `evidence/evidence.json` (structured) and
 * `evidence/summary.md` (for people). Both say the same thing: the subject, the request, its
 * approvals with approver names and any owner signatures, the grant scope, every session with its
 * recording file, every operation with old -> new values, every refusal, the OT policy hashes, and
 * for each the log and seq of the chain event it comes from, so a reader can find it in
 * `events/<log>.jsonl` (where the verifier proved it). Rendering only: no store, no clock.
 */
import { canonicalJson } from '../../../shared/src/crypto/canonical.js';
import type { AuditEvent } from '../../../shared/src/audit/audit-event.js';
import {
  EVIDENCE_JSON,
  EVIDENCE_SUMMARY,
  type EvidenceMember,
} from '../../../shared/src/export/evidence-manifest.js';
import type { EvidenceSelection, SelectedEvent } from './evidence-select.js';
import type { EvidenceSubject } from './evidence-subject.js';

export interface PackSession {
  readonly sessionId: string;
  readonly asset: string | null;
  readonly user: string;
  readonly startedAt: number | null;
  readonly endedAt: number | null;
  readonly endReason: string | null;
  /** Bundle path of the recording, or null when the bundle carries none for it. */
  readonly recording: string | null;
}

const iso = (t: number | null): string => (t === null ? '-' : new Date(t).toISOString());
const ref = (s: SelectedEvent): string => `${s.log.toUpperCase()} ${s.event.seq}`;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** "old -> new" of an operation, as the OT gateway recorded it. */
export function changeOf(e: AuditEvent): string {
  const d = e.details;
  if (Array.isArray(d.changes)) return d.changes.filter((c) => typeof c === 'string').join('; ');
  if ('newValue' in d)
    return `${str(d.node) ?? ''}: ${JSON.stringify(d.oldValue ?? null)} → ${JSON.stringify(d.newValue)}`;
  const what = str(d.command) ?? str(d.line) ?? str(d.method) ?? str(d.path) ?? str(d.function);
  return what ?? canonicalJson(d).slice(0, 200);
}

export function packSessions(
  selection: EvidenceSelection,
  recordingPath: (sessionId: string) => string | null,
): PackSession[] {
  return selection.sessionIds.map((id) => {
    const of = selection.events.filter((s) => s.event.details.sessionId === id);
    const start = of.find((s) => s.event.action === 'session.start')?.event;
    const end = of.findLast((s) => s.event.action === 'session.end')?.event;
    return {
      sessionId: id,
      asset: start?.target ?? null,
      user: start?.actor ?? of[0]?.event.actor ?? '',
      startedAt: start?.time ?? null,
      endedAt: end?.time ?? null,
      endReason: end === undefined ? null : (str(end.details.reason) ?? null),
      recording: recordingPath(id),
    };
  });
}

export function evidenceMembers(
  subject: EvidenceSubject,
  selection: EvidenceSelection,
  sessions: readonly PackSession[],
  /** Whether the site's OT log was ingested (the pack then carries its segment). */
  hasOt: boolean,
): EvidenceMember[] {
  const byRole = (role: SelectedEvent['role']): SelectedEvent[] =>
    selection.events.filter((s) => s.role === role);
  const entry = (s: SelectedEvent) => ({
    log: s.log,
    seq: s.event.seq,
    time: s.event.time,
    action: s.event.action,
    actor: s.event.actor,
    target: s.event.target,
    outcome: s.event.outcome,
  });
  const operations = byRole('operation').map((s) => ({ ...entry(s), change: changeOf(s.event) }));
  const refusals = byRole('refusal').map((s) => ({
    ...entry(s),
    reason: str(s.event.details.reason) ?? str(s.event.details.code) ?? null,
    details: s.event.details,
  }));
  const policies = byRole('policy').map((s) => ({
    ...entry(s),
    policySha256: str(s.event.details.policySha256) ?? null,
  }));
  const json = {
    subject: { kind: subject.kind, id: subject.id, site: subject.site },
    range: { from: subject.from, to: subject.to },
    ...(subject.window === undefined ? {} : { window: subject.window }),
    grants: subject.grants,
    sessions,
    operations,
    refusals,
    policies,
    events: selection.events.map((s) => ({ ...entry(s), role: s.role })),
  };
  return [
    { path: EVIDENCE_JSON, text: `${canonicalJson(json)}\n` },
    {
      path: EVIDENCE_SUMMARY,
      text: summary(subject, selection, sessions, operations, refusals, hasOt),
    },
  ];
}

function summary(
  subject: EvidenceSubject,
  selection: EvidenceSelection,
  sessions: readonly PackSession[],
  operations: readonly {
    seq: number;
    log: string;
    time: number;
    action: string;
    actor: string;
    target: string | null;
    change: string;
  }[],
  refusals: readonly {
    seq: number;
    log: string;
    time: number;
    action: string;
    actor: string;
    reason: string | null;
  }[],
  hasOt: boolean,
): string {
  const lines: string[] = [
    `# Evidence pack: ${subject.kind} ${subject.id} (site ${subject.site})`,
    '',
    `Events from ${iso(subject.from)} to ${iso(subject.to)}. Every item names its chain event (IT or OT log, seq):`,
    'find it in events/<log>.jsonl; `airlock-it verify-export` proves each listed event is in the signed chain.',
    '',
  ];
  if (subject.window !== undefined)
    lines.push(
      `Maintenance window "${subject.window.label}" (${subject.window.asset ?? 'every asset'}), occurrence ${iso(subject.window.occurrence.start)} .. ${iso(subject.window.occurrence.end)}: ${subject.grants.length} grant(s).`,
      '',
    );
  for (const g of subject.grants) {
    lines.push(
      `## Grant ${g.id} (request ${g.requestId})`,
      '',
      `- Requested by ${g.request.requester} at ${iso(g.request.createdAt)} for ${iso(g.request.startsAt)} .. ${iso(g.request.endsAt)}; reason: ${g.request.reason}${g.request.ticketRef === null ? '' : `; ticket ${g.request.ticketRef}`}`,
      `- Granted to ${g.grantee}, valid ${iso(g.notBefore)} .. ${iso(g.notAfter)}${g.breakGlass ? ' (BREAK-GLASS)' : ''}; status ${g.status}${g.endedAt === null ? '' : `, ended ${iso(g.endedAt)} by ${g.endedBy ?? '-'} (${g.endReason ?? '-'})`}`,
      `- Scope: ${g.scope.map((a) => `${a.asset} (${a.protocol}, profile ${a.profile})`).join(', ')}`,
      `- Approvals (${g.request.requiredApprovals} required): ${g.decisions.map((d) => `${d.decision} by ${d.approver} at ${iso(d.decidedAt)}${d.comment === '' ? '' : ` "${d.comment}"`}`).join('; ') || 'none'}`,
      `- Owner signatures: ${g.ownerSignatures.map((o) => `${o.approver} (passkey ${o.assertion.id.slice(0, 16)}…) at ${iso(o.createdAt)}`).join('; ') || 'none kept with the approval'}`,
      '',
    );
  }
  lines.push('## Sessions', '');
  if (sessions.length === 0) lines.push('None.');
  for (const s of sessions)
    lines.push(
      `- ${s.sessionId}: ${s.user} on ${s.asset ?? '-'}, ${iso(s.startedAt)} .. ${iso(s.endedAt)}${s.endReason === null ? '' : ` (${s.endReason})`}; recording: ${s.recording ?? 'not in this pack'}`,
    );
  lines.push('', '## Operations (old → new)', '');
  if (operations.length === 0) lines.push('None.');
  for (const o of operations)
    lines.push(
      `- [${o.log.toUpperCase()} ${o.seq}] ${iso(o.time)} ${o.actor} ${o.action} ${o.target ?? ''}: ${o.change}`,
    );
  lines.push('', '## Refusals', '');
  if (refusals.length === 0) lines.push('None.');
  for (const r of refusals)
    lines.push(
      `- [${r.log.toUpperCase()} ${r.seq}] ${iso(r.time)} ${r.actor} ${r.action}: ${r.reason ?? '-'}`,
    );
  lines.push('', '## OT policy in force', '');
  const pol = selection.events.filter((s) => s.role === 'policy');
  if (pol.length === 0 && !hasOt)
    lines.push(
      `No OT events of site ${subject.site} have been ingested: the pack holds the IT gateway's events only.`,
    );
  else if (pol.length === 0)
    lines.push(
      'No OT policy load (config.load, policy.reload, policy.apply) lies within 7 days before this pack: export a wider range of the site to see the one in force.',
    );
  for (const p of pol)
    lines.push(
      `- [${ref(p)}] ${iso(p.event.time)} ${p.event.action}: SHA-256 ${str(p.event.details.policySha256) ?? '-'}`,
    );
  lines.push('', '## All events of the pack', '');
  for (const s of selection.events)
    lines.push(
      `- [${ref(s)}] ${iso(s.event.time)} ${s.role}: ${s.event.action} by ${s.event.actor} (${s.event.outcome})`,
    );
  return `${lines.join('\n')}\n`;
}
