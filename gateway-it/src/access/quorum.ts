/**
 * Can a request still reach its site's required approvals? The people who may approve are the
 * active OT owners of the site who are not admins and not the requester (the same rule as
 * `decisionBar` in visibility.ts); those who already approved count once. With 2 approvals
 * required and 2 owners, a request by one of them can never be approved: this says so, at request
 * time and on every read, so a request is never left to wait for nobody.
 *
 * Not here: acting on it (SitePolicyService re-evaluates pending requests when the policy changes;
 * the expiry sweep closes requests that reach their end).
 */
import type { UserStore } from '../store/store.js';
import { isAdmin } from './visibility.js';

export interface Quorum {
  readonly required: number;
  readonly approvals: number;
  /** Everyone who may still approve (eligible and not yet approved). */
  readonly remainingApprovers: number;
  /** Whether the approvals given plus those still possible reach the required number. */
  readonly canBeMet: boolean;
}

/** Ids of the people who may approve a request of `requesterId` at `site`. */
export function eligibleApprovers(
  users: Pick<UserStore, 'listWithSiteRole'>,
  site: string,
  requesterId: string,
): string[] {
  return users
    .listWithSiteRole('ot-owner', site)
    .filter((u) => u.state === 'active' && !isAdmin(u) && u.id !== requesterId)
    .map((u) => u.id);
}

export function quorumOf(
  users: Pick<UserStore, 'listWithSiteRole'>,
  r: { readonly site: string; readonly requesterId: string; readonly requiredApprovals: number },
  approverIds: readonly string[],
): Quorum {
  const approved = new Set(approverIds);
  const remaining = eligibleApprovers(users, r.site, r.requesterId).filter(
    (id) => !approved.has(id),
  ).length;
  return {
    required: r.requiredApprovals,
    approvals: approved.size,
    remainingApprovers: remaining,
    canBeMet: approved.size + remaining >= r.requiredApprovals,
  };
}

/** A sentence for people: why the quorum cannot be met, or undefined when it can. */
export function quorumWarning(q: Quorum): string | undefined {
  if (q.canBeMet) return undefined;
  const more = q.required - q.approvals;
  return `this site needs ${q.required} OT-owner approval(s) and only ${q.remainingApprovers} more person(s) other than the requester can give them (${more} needed): ask an admin to lower the site's required approvals or add an OT owner`;
}
