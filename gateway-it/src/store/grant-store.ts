/** Grants: what approved requests (and break-glass) became. Assets and profiles are the request's. */
import type { Db } from '../../../shared/src/store/open-database.js';

export const GRANT_STATUSES = ['active', 'revoked', 'expired'] as const;
export type GrantStatus = (typeof GRANT_STATUSES)[number];

export interface GrantRow {
  readonly id: string;
  readonly requestId: string;
  readonly userId: string;
  readonly site: string;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly breakGlass: boolean;
  readonly status: GrantStatus;
  readonly issuedAt: number;
  readonly endedAt: number | null;
  readonly endedBy: string | null;
  readonly endReason: string | null;
  readonly reviewedBy: string | null;
  readonly reviewedAt: number | null;
  readonly reviewComment: string | null;
}

interface Raw {
  id: string;
  request_id: string;
  user_id: string;
  site: string;
  not_before: number;
  not_after: number;
  break_glass: number;
  status: GrantStatus;
  issued_at: number;
  ended_at: number | null;
  ended_by: string | null;
  end_reason: string | null;
  reviewed_by: string | null;
  reviewed_at: number | null;
  review_comment: string | null;
}

const toRow = (r: Raw): GrantRow => ({
  id: r.id,
  requestId: r.request_id,
  userId: r.user_id,
  site: r.site,
  notBefore: r.not_before,
  notAfter: r.not_after,
  breakGlass: r.break_glass === 1,
  status: r.status,
  issuedAt: r.issued_at,
  endedAt: r.ended_at,
  endedBy: r.ended_by,
  endReason: r.end_reason,
  reviewedBy: r.reviewed_by,
  reviewedAt: r.reviewed_at,
  reviewComment: r.review_comment,
});

export class GrantStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO grants (id, request_id, user_id, site, not_before, not_after, break_glass, status, issued_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?)`,
      ),
      get: db.prepare<[string], Raw>('SELECT * FROM grants WHERE id = ?'),
      byRequest: db.prepare<[string], Raw>('SELECT * FROM grants WHERE request_id = ?'),
      byUser: db.prepare<[string, number], Raw>(
        'SELECT * FROM grants WHERE user_id = ? ORDER BY issued_at DESC, id DESC LIMIT ?',
      ),
      bySite: db.prepare<[string, number], Raw>(
        'SELECT * FROM grants WHERE site = ? ORDER BY issued_at DESC, id DESC LIMIT ?',
      ),
      all: db.prepare<[number], Raw>(
        'SELECT * FROM grants ORDER BY issued_at DESC, id DESC LIMIT ?',
      ),
      forAsset: db.prepare<[string, string, string], Raw & { protocol: string; profile: string }>(
        `SELECT g.*, a.protocol, a.profile FROM grants g JOIN request_assets a ON a.request_id = g.request_id
         WHERE g.user_id = ? AND g.site = ? AND a.asset = ? ORDER BY g.not_before, g.id`,
      ),
      end: db.prepare<[Exclude<GrantStatus, 'active'>, number, string, string, string]>(
        "UPDATE grants SET status = ?, ended_at = ?, ended_by = ?, end_reason = ? WHERE id = ? AND status = 'active'",
      ),
      review: db.prepare<[string, number, string, string]>(
        'UPDATE grants SET reviewed_by = ?, reviewed_at = ?, review_comment = ? WHERE id = ? AND break_glass = 1 AND reviewed_at IS NULL',
      ),
      due: db.prepare<[number], Raw>(
        "SELECT * FROM grants WHERE status = 'active' AND not_after <= ? ORDER BY not_after",
      ),
      nextEnd: db.prepare<[], { t: number | null }>(
        "SELECT min(not_after) AS t FROM grants WHERE status = 'active'",
      ),
      unreviewed: db.prepare<[string], Raw>(
        'SELECT * FROM grants WHERE site = ? AND break_glass = 1 AND reviewed_at IS NULL ORDER BY issued_at',
      ),
    };
  }

  insert(
    g: Pick<
      GrantRow,
      'id' | 'requestId' | 'userId' | 'site' | 'notBefore' | 'notAfter' | 'breakGlass' | 'issuedAt'
    >,
  ): void {
    this.stmts.insert.run(
      g.id,
      g.requestId,
      g.userId,
      g.site,
      g.notBefore,
      g.notAfter,
      g.breakGlass ? 1 : 0,
      g.issuedAt,
    );
  }

  get(id: string): GrantRow | undefined {
    const r = this.stmts.get.get(id);
    return r === undefined ? undefined : toRow(r);
  }

  byRequest(requestId: string): GrantRow | undefined {
    const r = this.stmts.byRequest.get(requestId);
    return r === undefined ? undefined : toRow(r);
  }

  listByUser(userId: string, limit = 200): GrantRow[] {
    return this.stmts.byUser.all(userId, limit).map(toRow);
  }

  listBySite(site: string, limit = 200): GrantRow[] {
    return this.stmts.bySite.all(site, limit).map(toRow);
  }

  listAll(limit = 500): GrantRow[] {
    return this.stmts.all.all(limit).map(toRow);
  }

  /** Every grant (any state) of the user that names `asset` at `site`, with the asset's protocol and profile. */
  forAsset(
    userId: string,
    site: string,
    asset: string,
  ): (GrantRow & { protocol: string; profile: string })[] {
    return this.stmts.forAsset
      .all(userId, site, asset)
      .map((r) => ({ ...toRow(r), protocol: r.protocol, profile: r.profile }));
  }

  /** Ends an active grant; false if it had already ended. */
  end(
    id: string,
    status: Exclude<GrantStatus, 'active'>,
    at: number,
    by: string,
    reason: string,
  ): boolean {
    return this.stmts.end.run(status, at, by, reason, id).changes === 1;
  }

  /** Records the after-the-fact review of a break-glass grant; false if not break-glass or already reviewed. */
  review(id: string, by: string, at: number, comment: string): boolean {
    return this.stmts.review.run(by, at, comment, id).changes === 1;
  }

  dueForExpiry(now: number): GrantRow[] {
    return this.stmts.due.all(now).map(toRow);
  }

  nextEnd(): number | null {
    return this.stmts.nextEnd.get()?.t ?? null;
  }

  unreviewedBreakGlass(site: string): GrantRow[] {
    return this.stmts.unreviewed.all(site).map(toRow);
  }
}
