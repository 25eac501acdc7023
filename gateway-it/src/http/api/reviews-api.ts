/** Command lines held for review by the sites' SSH command filters: the API face of CommandReviews. */
import { z } from 'zod';
import type { AccessHttpServices } from '../http-services.js';
import type { CommandReviews } from '../../sessions/sessions.js';
import type { ReviewRow } from '../../store/store.js';
import { op, type ApiOperation } from './api-registry.js';

export const reviewDecisionBody = z.strictObject({
  decision: z.enum(['approve', 'deny']),
  comment: z.string().trim().min(1, 'a comment is required').max(500),
});

export function reviewJson(r: ReviewRow): Record<string, unknown> {
  const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());
  return {
    id: r.id,
    site: r.site,
    asset: r.asset,
    sessionId: r.sessionId,
    requester: r.requesterName,
    line: r.line,
    why: r.why,
    requestedAt: iso(r.requestedAt),
    expiresAt: iso(r.expiresAt),
    state: r.state,
    reviewer: r.reviewerName,
    comment: r.comment,
    closedAt: iso(r.closedAt),
  };
}

/** Records an OT owner's decision (shared by the API and the portal form). */
export function decideReview(
  reviews: CommandReviews,
  user: Parameters<CommandReviews['decide']>[0],
  id: string,
  body: z.output<typeof reviewDecisionBody>,
): ReviewRow {
  return reviews.decide(user, id, body.decision === 'approve' ? 'allow' : 'deny', body.comment);
}

export function reviewOperations(s: AccessHttpServices): ApiOperation[] {
  const reviews = s.reviews;
  return [
    op({
      method: 'get',
      path: '/reviews',
      tag: 'reviews',
      roles: ['ot-owner'],
      summary:
        'Command lines held for review at the sites you own, oldest first (the site denies each at expiresAt, by its clock)',
      handler: ({ user }) => ({ json: reviews.pendingFor(user).map(reviewJson) }),
    }),
    op({
      method: 'post',
      path: '/reviews/:id/decision',
      tag: 'reviews',
      roles: ['ot-owner'],
      summary:
        'Approve or deny a held command line of a site you own (never one of your own sessions); a comment is required',
      body: reviewDecisionBody,
      responses: {
        200: 'decision recorded and sent to the site',
        403: 'not an OT owner of the site, or your own session',
        404: 'no such review',
        409: 'no longer pending',
        503: 'the site is not connected (nothing recorded)',
      },
      handler: ({ user, params, body }) => ({
        json: reviewJson(decideReview(reviews, user, params.id ?? '', body)),
      }),
    }),
  ];
}
