/**
 * Command review, OT end: the brokers' `requestReview` (the SSH command filter's held lines),
 * waiting here while the control link carries them. The link calls `connected` with its sender
 * when it is up and `disconnected` when it goes down; a held line goes to the IT gateway as
 * `review.request`, and an OT owner's `review.decision`, handed back by the link to `decided`,
 * settles it.
 * Guarantees, all by this gateway's own clock and state: a line is never passed without a decision
 * from the IT side; it is denied when the review times out (the IT side is told, `review.close
 * timeout`), when its session ends (`review.close session_ended`), when the link is down at the
 * time of the request, or when the link goes down while it is held. A decision for a review no
 * longer held (late, or from before a reconnect) changes nothing.
 * Not here: the audit of the outcome (the SSH filter audits `ssh.command_review` with the reviewer).
 */
import type { Clock, TimerHandle } from '../../../shared/src/clock.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type { Logger } from '../../../shared/src/log.js';
import {
  MAX_REVIEW_LINE_CHARS,
  type ReviewClose,
  type ReviewDecisionMessage,
  type ReviewRequest,
} from '../../../shared/src/link/control-messages.js';
import type { BrokerSession, ReviewVerdict } from './protocol-broker.js';

interface Held {
  readonly sessionId: string;
  settle(v: ReviewVerdict, close?: ReviewClose['reason']): void;
}

const DENY: ReviewVerdict = { decision: 'deny' };

export class ReviewRequests {
  private send: ((m: ReviewRequest | ReviewClose) => void) | undefined;
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly deps: {
      readonly clock: Clock;
      readonly ids: IdGenerator;
      readonly log: Logger;
    },
  ) {}

  /** Lines currently held, waiting for a decision. */
  get pending(): number {
    return this.held.size;
  }

  /** The link is up: requests go out through `send`. */
  connected(send: (m: ReviewRequest | ReviewClose) => void): void {
    this.send = send;
  }

  /** The link went down: every held line is denied (the IT side closes its copies itself). */
  disconnected(): void {
    this.send = undefined;
    for (const h of [...this.held.values()]) h.settle(DENY);
  }

  /** Asks the site's OT owners; resolves with their verdict, or a denial (timeout, session end, link down). */
  request(
    session: BrokerSession,
    line: string | null,
    why: string,
    timeoutMs: number,
  ): Promise<ReviewVerdict> {
    const send = this.send;
    if (send === undefined || session.signal.aborted) return Promise.resolve(DENY);
    const { clock } = this.deps;
    const reviewId = this.deps.ids.next('rev');
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      const onAbort = (): void => held.settle(DENY, 'session_ended');
      const held: Held = {
        sessionId: session.ticket.sessionId,
        settle: (v, close) => {
          if (this.held.get(reviewId) !== held) return;
          this.held.delete(reviewId);
          timer?.cancel();
          session.signal.removeEventListener('abort', onAbort);
          if (close !== undefined) this.send?.({ type: 'review.close', reviewId, reason: close });
          resolve(v);
        },
      };
      this.held.set(reviewId, held);
      timer = clock.setTimeout(() => held.settle(DENY, 'timeout'), timeoutMs);
      session.signal.addEventListener('abort', onAbort, { once: true });
      const shown =
        line === null
          ? null
          : line.length > MAX_REVIEW_LINE_CHARS
            ? `${line.slice(0, MAX_REVIEW_LINE_CHARS - 20)} [... cut, ${line.length} chars]`
            : line;
      send({
        type: 'review.request',
        reviewId,
        sessionId: session.ticket.sessionId,
        line: shown,
        why: why.slice(0, 500) || 'held for review',
        expiresAt: clock.now() + timeoutMs,
      });
    });
  }

  /** An OT owner's decision from the IT side. */
  decided(m: ReviewDecisionMessage): void {
    const h = this.held.get(m.reviewId);
    if (h === undefined) {
      this.deps.log.info('a review decision arrived for a line no longer held; ignored', {
        reviewId: m.reviewId,
      });
      return;
    }
    h.settle({ decision: m.decision, reviewer: m.reviewer, comment: m.comment });
  }
}
