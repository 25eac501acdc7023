/** Rows of the lines held for review (review-migrations.ts); the rules are CommandReviews' business. */
import type { Db } from '../../../shared/src/store/open-database.js';

export const REVIEW_STATES = [
  'pending',
  'allowed',
  'denied',
  'timeout',
  'session_ended',
  'link_lost',
] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];

export interface ReviewRow {
  readonly id: string;
  readonly site: string;
  readonly reviewId: string;
  readonly sessionId: string;
  readonly asset: string;
  readonly requesterId: string;
  readonly requesterName: string;
  readonly line: string | null;
  readonly why: string;
  readonly requestedAt: number;
  readonly expiresAt: number;
  readonly state: ReviewState;
  readonly reviewerId: string | null;
  readonly reviewerName: string | null;
  readonly comment: string | null;
  readonly closedAt: number | null;
}

export type NewReview = Pick<
  ReviewRow,
  | 'id'
  | 'site'
  | 'reviewId'
  | 'sessionId'
  | 'asset'
  | 'requesterId'
  | 'requesterName'
  | 'line'
  | 'why'
  | 'requestedAt'
  | 'expiresAt'
>;

const COLUMNS = `id, site, review_id AS reviewId, session_id AS sessionId, asset, requester_id AS requesterId, requester_name AS requesterName, line, why,
  requested_at AS requestedAt, expires_at AS expiresAt, state, reviewer_id AS reviewerId, reviewer_name AS reviewerName, comment, closed_at AS closedAt`;

export class ReviewStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      get: db.prepare<[string], ReviewRow>(`SELECT ${COLUMNS} FROM command_reviews WHERE id = ?`),
      bySiteReview: db.prepare<[string, string], ReviewRow>(
        `SELECT ${COLUMNS} FROM command_reviews WHERE site = ? AND review_id = ?`,
      ),
      pendingOfSite: db.prepare<[string], ReviewRow>(
        `SELECT ${COLUMNS} FROM command_reviews WHERE state = 'pending' AND site = ? ORDER BY requested_at`,
      ),
      insert: db.prepare(
        `INSERT INTO command_reviews (id, site, review_id, session_id, asset, requester_id, requester_name, line, why, requested_at, expires_at, state)
         VALUES (@id, @site, @reviewId, @sessionId, @asset, @requesterId, @requesterName, @line, @why, @requestedAt, @expiresAt, 'pending')`,
      ),
      close: db.prepare<[string, string | null, string | null, string | null, number, string]>(
        `UPDATE command_reviews SET state = ?, reviewer_id = ?, reviewer_name = ?, comment = ?, closed_at = ? WHERE id = ? AND state = 'pending'`,
      ),
    };
  }

  get(id: string): ReviewRow | undefined {
    return this.stmts.get.get(id);
  }

  bySiteReview(site: string, reviewId: string): ReviewRow | undefined {
    return this.stmts.bySiteReview.get(site, reviewId);
  }

  pendingOfSite(site: string): ReviewRow[] {
    return this.stmts.pendingOfSite.all(site);
  }

  insert(r: NewReview): void {
    this.stmts.insert.run(r);
  }

  /** Ends a pending review; false if it was not pending any more. */
  close(
    id: string,
    state: Exclude<ReviewState, 'pending'>,
    now: number,
    by?: { id: string; name: string; comment: string },
  ): boolean {
    return (
      this.stmts.close.run(state, by?.id ?? null, by?.name ?? null, by?.comment ?? null, now, id)
        .changes === 1
    );
  }
}
