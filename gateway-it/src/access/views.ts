/**
 * The read models the portal and the API show for requests and grants: one shape for both faces.
 * Times are epoch milliseconds; the faces format them (ISO 8601 in JSON, site time in pages).
 */
import type {
  AccessRequestStore,
  RequestAssetRow,
  RequestRow,
  GrantRow,
  GrantStatus,
  GrantStore,
  UserStore,
} from '../store/store.js';
import type { ItsmCheckView, TicketChecks } from '../itsm/itsm.js';
import { quorumOf, quorumWarning, type Quorum } from './quorum.js';

export interface PersonRef {
  readonly id: string;
  readonly name: string;
}

export interface DecisionView {
  readonly approver: string;
  readonly decision: 'approve' | 'deny';
  readonly comment: string;
  readonly decidedAt: number;
}

/** The stored request (less the requester's id, shown as a person) with its assets and decisions. */
export interface RequestView extends Omit<RequestRow, 'requesterId'> {
  readonly requester: PersonRef;
  readonly assets: readonly RequestAssetRow[];
  readonly approvals: number;
  readonly decisions: readonly DecisionView[];
  readonly grantId: string | null;
  /** The ITSM's answers about the ticket (request time, approval time), oldest first. */
  readonly itsm: readonly ItsmCheckView[];
  /** Whether the site's required approvals can still be reached (quorum.ts). */
  readonly quorum: Quorum;
  /** For people: why the quorum cannot be met while pending; null otherwise. */
  readonly quorumWarning: string | null;
}

/** `scheduled`: approved, not started yet. `active` only between notBefore and notAfter. */
export type GrantState = 'scheduled' | 'active' | 'revoked' | 'expired';

export interface GrantView {
  readonly id: string;
  readonly requestId: string;
  readonly user: PersonRef;
  readonly site: string;
  readonly assets: readonly RequestAssetRow[];
  readonly notBefore: number;
  readonly notAfter: number;
  readonly breakGlass: boolean;
  readonly status: GrantStatus;
  readonly state: GrantState;
  readonly approvers: readonly string[];
  readonly reason: string;
  readonly ticketRef: string | null;
  readonly issuedAt: number;
  readonly endedAt: number | null;
  readonly endedBy: string | null;
  readonly endReason: string | null;
  readonly review: { readonly by: string; readonly at: number; readonly comment: string } | null;
  /** A break-glass grant no OT owner has reviewed yet. */
  readonly needsReview: boolean;
}

export function grantState(
  g: Pick<GrantRow, 'status' | 'notBefore' | 'notAfter'>,
  now: number,
): GrantState {
  switch (g.status) {
    case 'active':
      return now < g.notBefore ? 'scheduled' : now >= g.notAfter ? 'expired' : 'active';
    case 'revoked':
    case 'expired':
      return g.status;
    default: {
      const never: never = g.status;
      return never;
    }
  }
}

export class AccessViews {
  constructor(
    private readonly requests: AccessRequestStore,
    private readonly grants: GrantStore,
    private readonly users: UserStore,
    private readonly itsm: Pick<TicketChecks, 'views'>,
  ) {}

  person(id: string): PersonRef {
    return { id, name: this.users.getById(id)?.name ?? id };
  }

  request(r: RequestRow): RequestView {
    const decisions = this.requests.decisions(r.id);
    const { requesterId, ...row } = r;
    const quorum = quorumOf(
      this.users,
      r,
      decisions.filter((d) => d.decision === 'approve').map((d) => d.approverId),
    );
    return {
      ...row,
      requester: this.person(requesterId),
      assets: this.requests.assets(r.id),
      approvals: decisions.filter((d) => d.decision === 'approve').length,
      decisions: decisions.map((d) => ({
        approver: d.approverName,
        decision: d.decision,
        comment: d.comment,
        decidedAt: d.decidedAt,
      })),
      grantId: this.grants.byRequest(r.id)?.id ?? null,
      itsm: this.itsm.views(r.id),
      quorum,
      quorumWarning: r.status === 'pending' ? (quorumWarning(quorum) ?? null) : null,
    };
  }

  grant(g: GrantRow, now: number): GrantView {
    const request = this.requests.get(g.requestId);
    const decisions = this.requests.decisions(g.requestId);
    return {
      id: g.id,
      requestId: g.requestId,
      user: this.person(g.userId),
      site: g.site,
      assets: this.requests.assets(g.requestId),
      notBefore: g.notBefore,
      notAfter: g.notAfter,
      breakGlass: g.breakGlass,
      status: g.status,
      state: grantState(g, now),
      approvers: decisions.filter((d) => d.decision === 'approve').map((d) => d.approverName),
      reason: request?.reason ?? '',
      ticketRef: request?.ticketRef ?? null,
      issuedAt: g.issuedAt,
      endedAt: g.endedAt,
      endedBy: g.endedBy,
      endReason: g.endReason,
      review:
        g.reviewedBy === null || g.reviewedAt === null
          ? null
          : {
              by: this.person(g.reviewedBy).name,
              at: g.reviewedAt,
              comment: g.reviewComment ?? '',
            },
      needsReview: g.breakGlass && g.reviewedAt === null,
    };
  }
}
