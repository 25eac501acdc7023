/**
 * What an evidence pack is about, read from the stores: ONE grant (its request, assets, decisions
 * with approver names, owner signatures kept with the approval, the grantee, how it ended) or ONE
 * maintenance window occurrence (the window, and every grant of its site, and asset if it names one,
 * whose validity overlaps that occurrence). It also fixes the pack's time range: from the earliest
 * request to the latest end, plus END_GRACE_MS for the events that follow an end (session ends,
 * recording closes), never past `now`.
 *
 * Guarantees: an unknown grant or window, or a window with no occurrence at or before `at`, is
 * `not_found` naming it; nothing is read beyond the stores. Not here: who may ask (evidence-pack.ts
 * and the HTTP face check roles) and which events belong to the pack (evidence-select.ts).
 */
import { AirlockError } from '../../../shared/src/errors.js';
import type { ApprovalContent, OwnerAssertion } from '../../../shared/src/model/owner-approval.js';
import { occurrences, windowRuleSchema } from '../access/access.js';
import type { ItStore, RequestAssetRow } from '../store/store.js';

/** Events after an end (session.end, recording.close) are kept when this close to it. */
export const END_GRACE_MS = 10 * 60_000;

export interface EvidenceGrant {
  readonly id: string;
  readonly requestId: string;
  readonly grantee: string;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly breakGlass: boolean;
  readonly status: string;
  readonly issuedAt: number;
  readonly endedAt: number | null;
  readonly endedBy: string | null;
  readonly endReason: string | null;
  readonly request: {
    readonly requester: string;
    readonly reason: string;
    readonly ticketRef: string | null;
    readonly createdAt: number;
    readonly startsAt: number;
    readonly endsAt: number;
    readonly requiredApprovals: number;
  };
  readonly scope: readonly RequestAssetRow[];
  readonly decisions: readonly {
    readonly approver: string;
    readonly decision: 'approve' | 'deny';
    readonly comment: string;
    readonly decidedAt: number;
  }[];
  readonly ownerSignatures: readonly {
    readonly approverId: string;
    readonly approver: string;
    readonly content: ApprovalContent;
    readonly assertion: OwnerAssertion;
    readonly createdAt: number;
  }[];
}

export interface EvidenceSubject {
  readonly kind: 'grant' | 'window';
  readonly id: string;
  readonly site: string;
  readonly from: number;
  readonly to: number;
  readonly window?: {
    readonly label: string;
    readonly asset: string | null;
    readonly occurrence: { readonly start: number; readonly end: number };
  };
  readonly grants: readonly EvidenceGrant[];
}

export type SubjectStores = Pick<
  ItStore,
  'grants' | 'requests' | 'users' | 'ownerApprovals' | 'windows' | 'sites'
>;

function grantFacts(s: SubjectStores, id: string): EvidenceGrant | undefined {
  const g = s.grants.get(id);
  const r = g === undefined ? undefined : s.requests.get(g.requestId);
  if (g === undefined || r === undefined) return undefined;
  const name = (userId: string): string => s.users.getById(userId)?.name ?? userId;
  return {
    id: g.id,
    requestId: r.id,
    grantee: name(g.userId),
    notBefore: g.notBefore,
    notAfter: g.notAfter,
    breakGlass: g.breakGlass,
    status: g.status,
    issuedAt: g.issuedAt,
    endedAt: g.endedAt,
    endedBy: g.endedBy,
    endReason: g.endReason,
    request: {
      requester: name(r.requesterId),
      reason: r.reason,
      ticketRef: r.ticketRef,
      createdAt: r.createdAt,
      startsAt: r.startsAt,
      endsAt: r.endsAt,
      requiredApprovals: r.requiredApprovals,
    },
    scope: s.requests.assets(r.id),
    decisions: s.requests.decisions(r.id).map((d) => ({
      approver: d.approverName,
      decision: d.decision,
      comment: d.comment,
      decidedAt: d.decidedAt,
    })),
    ownerSignatures: s.ownerApprovals.ofRequest(r.id).map((a) => ({
      ...a,
      approver: name(a.approverId),
    })),
  };
}

const endOf = (g: EvidenceGrant): number => g.endedAt ?? g.notAfter;

function range(grants: readonly EvidenceGrant[], start: number, end: number, now: number) {
  const from = Math.min(start, ...grants.map((g) => g.request.createdAt));
  const to = Math.min(now, Math.max(end, ...grants.map(endOf)) + END_GRACE_MS);
  return { from, to: Math.max(from, to) };
}

export function grantSubject(s: SubjectStores, id: string, now: number): EvidenceSubject {
  const g = grantFacts(s, id);
  const site = g === undefined ? undefined : s.grants.get(id)?.site;
  if (g === undefined || site === undefined)
    throw new AirlockError('not_found', 'evidence.unknown_grant', `no grant ${id}`);
  return {
    kind: 'grant',
    id,
    site,
    ...range([g], g.request.createdAt, endOf(g), now),
    grants: [g],
  };
}

/** The window's occurrence that started last at or before `at` (a weekly rule recurs within 8 days). */
export function windowSubject(
  s: SubjectStores,
  id: string,
  at: number,
  now: number,
): EvidenceSubject {
  const w = s.windows.getWindow(id);
  const site = w === undefined ? undefined : s.sites.get(w.site);
  const rule =
    w === undefined ? undefined : windowRuleSchema.safeParse(JSON.parse(w.ruleJson) as unknown);
  if (w === undefined || site === undefined || rule === undefined || !rule.success)
    throw new AirlockError('not_found', 'evidence.unknown_window', `no maintenance window ${id}`);
  const occ = occurrences(rule.data, site.timezone, at - 8 * 86_400_000, at + 1)
    .filter((o) => o.start <= at)
    .at(-1);
  if (occ === undefined)
    throw new AirlockError(
      'not_found',
      'evidence.no_occurrence',
      `maintenance window ${id} has no occurrence at or before ${new Date(at).toISOString()}`,
    );
  const grants: EvidenceGrant[] = [];
  for (const row of s.grants.listBySite(w.site, 10_000)) {
    if (row.notBefore >= occ.end || (row.endedAt ?? row.notAfter) <= occ.start) continue;
    const g = grantFacts(s, row.id);
    if (g === undefined) continue;
    if (w.asset !== null && !g.scope.some((a) => a.asset === w.asset)) continue;
    grants.push(g);
  }
  grants.sort((a, b) => a.notBefore - b.notBefore || a.id.localeCompare(b.id));
  return {
    kind: 'window',
    id,
    site: w.site,
    ...range(grants, occ.start, occ.end, now),
    window: { label: w.label, asset: w.asset, occurrence: occ },
    grants,
  };
}
