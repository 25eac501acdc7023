/**
 * Command review, IT end: lines a site's SSH command filter holds until an OT owner decides.
 *
 * Guarantees: a held line is kept (audited `review.request`) only for a live session this gateway
 * opened at that site, and the requester is taken from that session, never from the site's word;
 * anything else is answered with a denial at once. It is shown to, and decided by, OT owners of
 * that site only, never by the operator whose session it is (refused attempts are audited too).
 * A decision is recorded and audited (`review.decide`, with the comment) in one transaction that
 * also hands it to the link: if the site cannot be reached, nothing is recorded and the caller is
 * told. A review the site stopped holding (its timeout, the session's end) or whose link dropped is
 * closed and audited (`review.close`); the site itself denies in those cases by its own clock.
 * Not here: the timeout (the OT gateway's clock decides) and passing or clearing the line.
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { AuditEventInput } from '../../../shared/src/audit/audit-event.js';
import type { Clock } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type { Logger } from '../../../shared/src/log.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import type {
  ReviewClose,
  ReviewDecisionMessage,
  ReviewRequest,
} from '../../../shared/src/link/control-messages.js';
import { isOtOwnerOf, sitesWithRole } from '../access/access.js';
import type { ReviewInbox } from '../link/link.js';
import type { ReviewRow, ReviewStore, User } from '../store/store.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export interface CommandReviewsDeps {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly store: ReviewStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly log: Logger;
  /** The live session a site names (absent: this gateway opened no such session). */
  readonly sessionOf: (sessionId: string) =>
    | {
        readonly userId: string;
        readonly userName: string;
        readonly site: string;
        readonly asset: string;
      }
    | undefined;
  /** Sends a decision to the site; false when its link is down. */
  readonly deliver: (site: string, m: ReviewDecisionMessage) => boolean;
}

export type ReviewVerb = 'allow' | 'deny';

/** The name the IT gateway signs its own automatic denials with. */
const SYSTEM_REVIEWER = 'airlock-it';

export class CommandReviews implements ReviewInbox {
  constructor(private readonly deps: CommandReviewsDeps) {}

  received(site: string, m: ReviewRequest): void {
    const { deps } = this;
    if (deps.store.bySiteReview(site, m.reviewId) !== undefined) return;
    const s = deps.sessionOf(m.sessionId);
    if (s === undefined || s.site !== site) {
      const comment = `the IT gateway has no live session ${m.sessionId} at ${site}`;
      this.auditSafely({
        action: 'review.request',
        actor: `gateway:${site}`,
        site,
        target: m.sessionId,
        outcome: 'denied',
        details: { reviewId: m.reviewId, sessionId: m.sessionId, reason: comment },
      });
      deps.deliver(site, {
        type: 'review.decision',
        reviewId: m.reviewId,
        decision: 'deny',
        reviewer: SYSTEM_REVIEWER,
        comment,
      });
      return;
    }
    const row = {
      id: deps.ids.next('rvw'),
      site,
      reviewId: m.reviewId,
      sessionId: m.sessionId,
      asset: s.asset,
      requesterId: s.userId,
      requesterName: s.userName,
      line: m.line,
      why: m.why,
      requestedAt: deps.clock.now(),
      expiresAt: m.expiresAt,
    };
    writeTransaction(deps.db, () => {
      deps.store.insert(row);
      deps.audit.append({
        action: 'review.request',
        actor: `gateway:${site}`,
        site,
        target: s.asset,
        outcome: 'success',
        details: {
          id: row.id,
          reviewId: m.reviewId,
          sessionId: m.sessionId,
          requester: s.userName,
          line: m.line,
          why: m.why,
          expiresAt: m.expiresAt,
        },
      });
    })();
  }

  closed(site: string, m: ReviewClose): void {
    const row = this.deps.store.bySiteReview(site, m.reviewId);
    if (row?.state === 'pending') this.close(row, m.reason);
  }

  linkDown(site: string): void {
    for (const row of this.deps.store.pendingOfSite(site)) this.close(row, 'link_lost');
  }

  /** Pending reviews the user may decide (those of the sites they are an OT owner of), oldest first. */
  pendingFor(user: Pick<User, 'roles'>): ReviewRow[] {
    return sitesWithRole(user, 'ot-owner').flatMap((site) => this.deps.store.pendingOfSite(site));
  }

  /** An OT owner's decision; throws an AirlockError saying why it cannot be taken (audited). */
  decide(
    user: Pick<User, 'id' | 'name' | 'roles'>,
    id: string,
    decision: ReviewVerb,
    comment: string,
  ): ReviewRow {
    const { deps } = this;
    const row = deps.store.get(id);
    if (row === undefined)
      throw new AirlockError('not_found', 'review.not_found', `no review ${id}`);
    const refuse = (code: string, message: string): AirlockError => {
      this.auditSafely({
        action: 'review.decide',
        actor: user.name,
        site: row.site,
        target: row.asset,
        outcome: 'denied',
        details: { id, decision, code, reason: message },
      });
      return new AirlockError('access_denied', code, message, { audited: true });
    };
    if (!isOtOwnerOf(user, row.site))
      throw refuse('review.not_owner', `only an OT owner of ${row.site} may decide its reviews`);
    if (row.requesterId === user.id)
      throw refuse('review.own_session', 'nobody reviews a line of their own session');
    if (row.state !== 'pending')
      throw new AirlockError(
        'conflict',
        'review.closed',
        `review ${id} is no longer pending (${row.state})`,
      );
    writeTransaction(deps.db, () => {
      if (
        !deps.store.close(id, decision === 'allow' ? 'allowed' : 'denied', deps.clock.now(), {
          id: user.id,
          name: user.name,
          comment,
        })
      ) {
        throw new AirlockError('conflict', 'review.closed', `review ${id} is no longer pending`);
      }
      deps.audit.append({
        action: 'review.decide',
        actor: user.name,
        site: row.site,
        target: row.asset,
        outcome: 'success',
        details: {
          id,
          reviewId: row.reviewId,
          sessionId: row.sessionId,
          requester: row.requesterName,
          line: row.line,
          decision,
          comment,
        },
      });
      // Last in the transaction: if the site cannot be told, the decision is not recorded either.
      if (
        !deps.deliver(row.site, {
          type: 'review.decision',
          reviewId: row.reviewId,
          decision,
          reviewer: user.name,
          comment,
        })
      ) {
        throw new AirlockError(
          'unavailable',
          'link.site_offline',
          `site ${row.site} is not connected; the line stays held there until its timeout denies it`,
        );
      }
    })();
    return deps.store.get(id) ?? row;
  }

  private close(row: ReviewRow, state: 'timeout' | 'session_ended' | 'link_lost'): void {
    const { deps } = this;
    try {
      writeTransaction(deps.db, () => {
        if (!deps.store.close(row.id, state, deps.clock.now())) return;
        deps.audit.append({
          action: 'review.close',
          actor: 'system:link',
          site: row.site,
          target: row.asset,
          outcome: 'success',
          details: { id: row.id, reviewId: row.reviewId, sessionId: row.sessionId, reason: state },
        });
      })();
    } catch (e) {
      deps.log.error('could not close a review', { id: row.id, err: e });
    }
  }

  private auditSafely(event: AuditEventInput): void {
    try {
      this.deps.audit.append(event);
    } catch (e) {
      this.deps.log.error('could not audit a review event', { action: event.action, err: e });
    }
  }
}
