/**
 * When an admin changes a site's required approvals, every pending request of the site takes the
 * new number and is judged again, in the transaction that stores the policy: one that already has
 * enough approvals is approved and its grant issued (the policy change is the reason), one that can
 * still reach it stays pending, one that never can (too few OT owners other than the requester) is
 * flagged. Each is audited as `request.reevaluate` with the outcome.
 *
 * When people change (an account created, its roles or state changed: auth/ tells
 * `reflagAfterAccountChange`), every pending request is judged again and only a flag that turns
 * on or off is audited (the flags are kept, so the same state is not audited twice). Not here:
 * telling people (the caller notifies after the commit).
 */
import type { AccountChange } from '../auth/auth.js';
import type { RequestRow } from '../store/store.js';
import type { AccessDeps } from './access-deps.js';
import type { GrantService } from './grant-service.js';
import { quorumOf } from './quorum.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export interface Reevaluated {
  readonly requestId: string;
  readonly outcome: 'granted' | 'pending' | 'flagged';
  readonly grantId: string | null;
}

/** Call inside the policy's transaction. `by` names the operator for the audit log. */
export function reevaluatePendingWithin(
  deps: AccessDeps,
  grants: Pick<GrantService, 'issueWithin'>,
  site: string,
  required: { readonly before: number; readonly after: number },
  by: string,
): Reevaluated[] {
  if (required.before === required.after) return [];
  const now = deps.clock.now();
  return deps.requests.pendingOfSite(site).map((r): Reevaluated => {
    deps.requests.setRequiredApprovals(r.id, required.after);
    const next: RequestRow = { ...r, requiredApprovals: required.after };
    const approvers = deps.requests
      .decisions(r.id)
      .filter((d) => d.decision === 'approve')
      .map((d) => d.approverId);
    const q = quorumOf(deps.users, next, approvers);
    const reason = `site ${site} now requires ${required.after} approval(s) (was ${required.before})`;
    let outcome: Reevaluated['outcome'] =
      q.approvals >= q.required ? 'granted' : q.canBeMet ? 'pending' : 'flagged';
    // A request already past its end is left to the expiry sweep, never granted.
    if (outcome === 'granted' && r.endsAt <= now) outcome = 'pending';
    if (outcome === 'granted' && !deps.requests.transition(r.id, 'pending', 'approved', now))
      outcome = 'pending';
    deps.audit.append({
      action: 'request.reevaluate',
      actor: by,
      site,
      target: r.id,
      outcome: 'success',
      details: {
        result: outcome,
        reason,
        approvals: q.approvals,
        required: q.required,
        previousRequired: required.before,
        remainingApprovers: q.remainingApprovers,
      },
    });
    deps.requests.setQuorumFlag(r.id, outcome === 'flagged', now);
    const grantId =
      outcome === 'granted' ? grants.issueWithin(next, deps.requests.assets(r.id), by).id : null;
    return { requestId: r.id, outcome, grantId };
  });
}

/**
 * Judges every pending request again after people changed; audits each flag that turned on
 * (`flagged`) or off (`pending`: it can be approved again). Call inside a transaction.
 */
export function reflagPendingWithin(deps: AccessDeps, by: string, reason: string): Reevaluated[] {
  const now = deps.clock.now();
  const changed: Reevaluated[] = [];
  for (const site of deps.sites.list()) {
    for (const r of deps.requests.pendingOfSite(site.id)) {
      const approvers = deps.requests
        .decisions(r.id)
        .filter((d) => d.decision === 'approve')
        .map((d) => d.approverId);
      const q = quorumOf(deps.users, r, approvers);
      if (!deps.requests.setQuorumFlag(r.id, !q.canBeMet, now)) continue;
      const outcome = q.canBeMet ? 'pending' : 'flagged';
      deps.audit.append({
        action: 'request.reevaluate',
        actor: by,
        site: site.id,
        target: r.id,
        outcome: 'success',
        details: {
          result: outcome,
          reason,
          approvals: q.approvals,
          required: q.required,
          remainingApprovers: q.remainingApprovers,
        },
      });
      changed.push({ requestId: r.id, outcome, grantId: null });
    }
  }
  return changed;
}

/**
 * Re-flags pending requests after an account change (auth/'s account-change listener, registered in
 * app.ts, so every face that changes accounts, CLI, portal, API, SSO or provisioning, is covered
 * without knowing of access/). Runs in the change's transaction; a failure is logged and undoes
 * only the re-flagging.
 */
export function reflagAfterAccountChange(deps: AccessDeps, change: AccountChange): void {
  try {
    writeTransaction(deps.db, () =>
      reflagPendingWithin(
        deps,
        change.actor,
        `accounts changed (${change.action} ${change.target ?? ''})`,
      ),
    )();
  } catch (err) {
    deps.log.warn('quorum re-evaluation after an account change failed', { err });
  }
}
