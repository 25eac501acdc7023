/**
 * Per-site access policy, set by an admin: how many OT-owner approvals a request needs (1-5), an
 * optional ticket reference format (a regular expression the whole reference must match), and
 * optionally a shorter period for SSH keys made fresh by a key + code login (docs/ssh.md). The
 * format runs on the linear-time engine (shared/src/text/linear-regex.ts): any pattern costs time
 * linear in the reference, and what that engine cannot run is refused here, naming the part.
 * A change of the required approvals re-evaluates the site's pending requests in the same
 * transaction (quorum-reevaluation.ts): granted, still pending or flagged, each audited.
 */
import { AirlockError } from '../../../shared/src/errors.js';
import { linearRegexProblem } from '../../../shared/src/text/linear-regex.js';
import type { SitePolicy } from '../store/store.js';
import { isCli, operatorName, requireSite, type AccessDeps, type Operator } from './access-deps.js';
import type { GrantService } from './grant-service.js';
import { reevaluatePendingWithin, type Reevaluated } from './quorum-reevaluation.js';
import { isAdmin } from './visibility.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

/** The stored policy and what became of the site's pending requests. */
export type PolicySet = SitePolicy & { readonly reevaluated: readonly Reevaluated[] };

export interface PolicyChange {
  readonly requiredApprovals: number;
  readonly ticketPattern: string | null;
  /** Minutes, 0-1440; null: the gateway's period; left out: unchanged. */
  readonly sshFreshMinutes?: number | null | undefined;
}

export class SitePolicyService {
  constructor(
    private readonly deps: AccessDeps,
    private readonly grants: Pick<GrantService, 'issueWithin' | 'rearm'>,
  ) {}

  get(site: string): SitePolicy {
    requireSite(this.deps, site);
    return this.deps.policies.policy(site);
  }

  set(operator: Operator, site: string, change: PolicyChange): PolicySet {
    const { deps } = this;
    requireSite(deps, site);
    if (!isCli(operator) && !isAdmin(operator))
      throw new AirlockError(
        'access_denied',
        'site.policy_admin',
        "only an admin sets a site's access policy",
      );
    if (
      !Number.isInteger(change.requiredApprovals) ||
      change.requiredApprovals < 1 ||
      change.requiredApprovals > 5
    ) {
      throw new AirlockError(
        'bad_request',
        'site.bad_approvals',
        'requiredApprovals must be 1 to 5',
        { details: { field: 'requiredApprovals' } },
      );
    }
    const pattern =
      change.ticketPattern === null || change.ticketPattern.trim() === ''
        ? null
        : change.ticketPattern.trim();
    if (pattern !== null) {
      if (pattern.length > 200)
        throw new AirlockError(
          'bad_request',
          'site.bad_ticket_pattern',
          'ticketPattern must be at most 200 characters',
          { details: { field: 'ticketPattern' } },
        );
      const problem = linearRegexProblem(pattern);
      if (problem !== undefined)
        throw new AirlockError(
          'bad_request',
          'site.bad_ticket_pattern',
          `ticketPattern is not a valid regular expression: ${problem}`,
          { details: { field: 'ticketPattern' } },
        );
    }
    const fresh = change.sshFreshMinutes;
    if (
      fresh !== undefined &&
      fresh !== null &&
      (!Number.isInteger(fresh) || fresh < 0 || fresh > 1440)
    )
      throw new AirlockError(
        'bad_request',
        'site.bad_ssh_fresh_minutes',
        'sshFreshMinutes must be 0 to 1440 (minutes), or null for the gateway default',
        { details: { field: 'sshFreshMinutes' } },
      );
    const before = deps.policies.policy(site);
    const next = {
      site,
      requiredApprovals: change.requiredApprovals,
      ticketPattern: pattern,
      sshFreshMinutes: fresh === undefined ? before.sshFreshMinutes : fresh,
      updatedAt: deps.clock.now(),
    };
    const reevaluated = writeTransaction(deps.db, () => {
      deps.policies.putPolicy(next);
      deps.audit.append({
        action: 'site.update',
        actor: operatorName(operator),
        site,
        target: site,
        outcome: 'success',
        details: {
          requiredApprovals: next.requiredApprovals,
          ticketPattern: pattern,
          sshFreshMinutes: next.sshFreshMinutes,
          previous: {
            requiredApprovals: before.requiredApprovals,
            ticketPattern: before.ticketPattern,
            sshFreshMinutes: before.sshFreshMinutes,
          },
        },
      });
      return reevaluatePendingWithin(
        deps,
        this.grants,
        site,
        { before: before.requiredApprovals, after: next.requiredApprovals },
        operatorName(operator),
      );
    })();
    if (reevaluated.some((r) => r.grantId !== null)) this.grants.rearm();
    for (const r of reevaluated)
      if (r.grantId !== null) this.notifyGranted(operator, r.requestId, r.grantId);
    return { ...deps.policies.policy(site), reevaluated };
  }

  /** The requester and the site's owners hear of a grant the policy change issued. */
  private notifyGranted(operator: Operator, requestId: string, grantId: string): void {
    const { deps } = this;
    const row = deps.requests.get(requestId);
    if (row === undefined) return;
    const view = deps.views.request(row);
    deps.notifier.notify({
      event: 'request.approved',
      site: view.site,
      requestId,
      grantId,
      user: view.requester.name,
      actor: operatorName(operator),
      assets: view.assets,
      startsAt: view.startsAt,
      endsAt: view.endsAt,
      breakGlass: false,
      comment: `the site's required approvals changed to ${view.requiredApprovals}`,
      recipients: [...new Set([view.requester.name, ...deps.users.activeOtOwnerNames(view.site)])],
    });
  }
}
