/**
 * Decisions on requests. Only an OT owner of the request's site who is not an admin decides;
 * nobody decides on their own request, whatever roles they hold and whichever face they use (the
 * rule is `decisionBar` in visibility.ts, enforced here, not in the routes). Every decision needs a comment and is audited with it. A request becomes a grant
 * when it has the site's required number of approvals (default 1, from distinct owners). A deny
 * closes a pending request; a deny after approval revokes the grant and ends its live sessions.
 */
import { AirlockError } from '../../../shared/src/errors.js';
import { requireText, type AccessDeps } from './access-deps.js';
import type { GrantService } from './grant-service.js';
import type { OwnerSignedApprovals, SignedApproval } from './owner-signed-approval.js';
import type { RequestService } from './request-service.js';
import type { RequestView } from './views.js';
import { decisionBar, type Actor } from './visibility.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export type Decision = 'approve' | 'deny';

export interface DecisionResult {
  readonly request: RequestView;
  /** Set when this decision issued a grant (enough approvals) or revoked one (deny after approve). */
  readonly grantId: string | null;
  readonly outcome: 'recorded' | 'granted' | 'denied' | 'revoked';
  /** For a revocation: whether the site confirmed ending the live sessions. */
  readonly sessionsEnded?: boolean;
}

export class ApprovalService {
  constructor(
    private readonly deps: AccessDeps,
    private readonly requests: RequestService,
    private readonly grants: GrantService,
    private readonly signatures: OwnerSignedApprovals,
  ) {}

  async decide(
    actor: Actor,
    id: string,
    decision: Decision,
    comment: string,
    /** At an owner-signed site, the browser's passkey assertion (JSON) over the request's content. */
    assertion?: string,
  ): Promise<DecisionResult> {
    const r = this.requests.visible(actor, id);
    const bar = decisionBar(actor, r.site, r.requesterId);
    if (bar !== undefined)
      throw new AirlockError('access_denied', bar.code, bar.why, {
        subject: { site: r.site, target: id },
      });
    if (r.breakGlass)
      throw new AirlockError(
        'conflict',
        'approval.break_glass',
        'a break-glass grant is not approved; review it or revoke it',
      );
    const text = requireText(comment, 'comment', 1, 1000);
    if (decision === 'deny') return this.deny(actor, id, text);
    await this.requests.recheckTicket(actor, r);
    // At an owner-signed site the approval counts only with the owner's passkey signature, checked
    // (and any refusal audited) before the approval's transaction.
    const row = this.deps.requests.get(id);
    const signed =
      row !== undefined && row.status === 'pending' && this.signatures.isOwnerSigned(row.site)
        ? this.signatures.accept(actor, row, assertion)
        : undefined;
    return this.approve(actor, id, text, signed);
  }

  private approve(
    actor: Actor,
    id: string,
    comment: string,
    signed: SignedApproval | undefined,
  ): DecisionResult {
    const { deps } = this;
    const now = deps.clock.now();
    const grantId = writeTransaction(deps.db, (): string | null => {
      const r = deps.requests.get(id);
      if (r === undefined)
        throw new AirlockError('not_found', 'request.not_found', `no request ${id}`);
      if (r.status !== 'pending')
        throw new AirlockError(
          'conflict',
          'request.not_pending',
          `request ${id} is ${r.status}; only pending requests can be approved`,
        );
      if (r.endsAt <= now)
        throw new AirlockError(
          'conflict',
          'request.ended',
          `request ${id} has already reached its end`,
        );
      const decisions = deps.requests.decisions(id);
      if (decisions.some((d) => d.approverId === actor.id && d.decision === 'approve'))
        throw new AirlockError(
          'conflict',
          'approval.duplicate',
          'you have already approved this request; another OT owner must add theirs',
        );
      if (signed === undefined && this.signatures.isOwnerSigned(r.site))
        throw new AirlockError(
          'conflict',
          'approval.signature_required',
          `site ${r.site} became owner-signed; approve again with your passkey`,
        );
      deps.requests.addDecision(id, actor.id, 'approve', comment, now);
      if (signed !== undefined) this.signatures.record(r, actor.id, signed, now);
      const approvals = decisions.filter((d) => d.decision === 'approve').length + 1;
      deps.audit.append({
        action: 'request.approve',
        actor: actor.name,
        site: r.site,
        target: id,
        outcome: 'success',
        details: {
          comment,
          approvals,
          required: r.requiredApprovals,
          // Which passkey signed (owner-signed sites); the OT gateway verifies it at each session.
          signed: signed === undefined ? null : { credentialId: signed.assertion.id },
        },
      });
      if (approvals < r.requiredApprovals) return null;
      if (!deps.requests.transition(id, 'pending', 'approved', now))
        throw new AirlockError(
          'conflict',
          'request.not_pending',
          `request ${id} changed meanwhile`,
        );
      return this.grants.issueWithin(r, deps.requests.assets(id), actor.name).id;
    })();
    this.grants.rearm();
    const view = this.requests.get(actor, id);
    if (grantId !== null) this.notify('request.approved', view, actor, comment, grantId);
    return { request: view, grantId, outcome: grantId === null ? 'recorded' : 'granted' };
  }

  private async deny(actor: Actor, id: string, comment: string): Promise<DecisionResult> {
    const { deps } = this;
    const now = deps.clock.now();
    const revoked = writeTransaction(deps.db, (): { id: string; site: string } | null => {
      const r = deps.requests.get(id);
      if (r === undefined)
        throw new AirlockError('not_found', 'request.not_found', `no request ${id}`);
      const grant = r.status === 'approved' ? deps.grants.byRequest(id) : undefined;
      if (r.status !== 'pending' && !(grant !== undefined && grant.status === 'active')) {
        throw new AirlockError(
          'conflict',
          'request.closed',
          `request ${id} is ${r.status}${grant === undefined ? '' : ` and its grant ${grant.status}`}; there is nothing to deny`,
        );
      }
      deps.requests.addDecision(id, actor.id, 'deny', comment, now);
      if (!deps.requests.transition(id, r.status, 'denied', now))
        throw new AirlockError('conflict', 'request.changed', `request ${id} changed meanwhile`);
      deps.audit.append({
        action: 'request.deny',
        actor: actor.name,
        site: r.site,
        target: id,
        outcome: 'success',
        details: { comment, afterApproval: grant !== undefined },
      });
      if (grant !== undefined) {
        if (
          !deps.grants.end(
            grant.id,
            'revoked',
            now,
            actor.name,
            `denied after approval: ${comment}`,
          )
        )
          throw new AirlockError('conflict', 'grant.ended', `grant ${grant.id} has already ended`);
        deps.audit.append({
          action: 'grant.revoke',
          actor: actor.name,
          site: r.site,
          target: grant.id,
          outcome: 'success',
          details: {
            user: deps.views.person(grant.userId).name,
            reason: `denied after approval: ${comment}`,
            by: 'deny-after-approve',
          },
        });
        return { id: grant.id, site: grant.site };
      }
      return null;
    })();
    const view = this.requests.get(actor, id);
    this.notify('request.denied', view, actor, comment, null);
    if (revoked === null) return { request: view, grantId: null, outcome: 'denied' };
    const g = revoked;
    const sessionsEnded = await this.grants.afterEnd(
      g,
      `request denied after approval by ${actor.name}`,
    );
    const grantRow = deps.grants.get(g.id);
    if (grantRow !== undefined)
      this.grants.notifyRevoked(deps.views.grant(grantRow, deps.clock.now()), actor.name, comment);
    return { request: view, grantId: g.id, outcome: 'revoked', sessionsEnded };
  }

  private notify(
    event: 'request.approved' | 'request.denied',
    view: RequestView,
    actor: Actor,
    comment: string,
    grantId: string | null,
  ): void {
    this.deps.notifier.notify({
      event,
      site: view.site,
      requestId: view.id,
      grantId,
      user: view.requester.name,
      actor: actor.name,
      assets: view.assets,
      startsAt: view.startsAt,
      endsAt: view.endsAt,
      breakGlass: false,
      comment,
      recipients: [...new Set([view.requester.name, ...this.requests.owners(view.site)])],
    });
  }
}
