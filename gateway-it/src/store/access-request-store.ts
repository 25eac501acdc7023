/** Access requests, the asset and profile asked for each asset, and the approvers' decisions. */
import type { Db } from '../../../shared/src/store/open-database.js';
import type { Protocol } from '../../../shared/src/model/session-ticket.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export const REQUEST_STATUSES = ['pending', 'approved', 'denied', 'cancelled', 'expired'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export interface RequestRow {
  readonly id: string;
  readonly requesterId: string;
  readonly site: string;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly reason: string;
  readonly ticketRef: string | null;
  readonly breakGlass: boolean;
  readonly status: RequestStatus;
  readonly requiredApprovals: number;
  readonly createdAt: number;
  readonly closedAt: number | null;
}

export interface RequestAssetRow {
  readonly asset: string;
  readonly protocol: Protocol;
  readonly profile: string;
}

export interface DecisionRow {
  readonly seq: number;
  readonly approverId: string;
  readonly approverName: string;
  readonly decision: 'approve' | 'deny';
  readonly comment: string;
  readonly decidedAt: number;
}

interface Raw {
  id: string;
  requester_id: string;
  site: string;
  starts_at: number;
  ends_at: number;
  reason: string;
  ticket_ref: string | null;
  break_glass: number;
  status: RequestStatus;
  required_approvals: number;
  created_at: number;
  closed_at: number | null;
}

const toRow = (r: Raw): RequestRow => ({
  id: r.id,
  requesterId: r.requester_id,
  site: r.site,
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  reason: r.reason,
  ticketRef: r.ticket_ref,
  breakGlass: r.break_glass === 1,
  status: r.status,
  requiredApprovals: r.required_approvals,
  createdAt: r.created_at,
  closedAt: r.closed_at,
});

export class AccessRequestStore {
  private readonly db: Db;
  private readonly stmts;

  constructor(db: Db) {
    this.db = db;
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO access_requests (id, requester_id, site, starts_at, ends_at, reason, ticket_ref, break_glass, status, required_approvals, created_at)
         VALUES (@id, @requesterId, @site, @startsAt, @endsAt, @reason, @ticketRef, @breakGlass, @status, @requiredApprovals, @createdAt)`,
      ),
      insertAsset: db.prepare(
        'INSERT INTO request_assets (request_id, asset, protocol, profile) VALUES (?, ?, ?, ?)',
      ),
      get: db.prepare<[string], Raw>('SELECT * FROM access_requests WHERE id = ?'),
      assets: db.prepare<[string], RequestAssetRow>(
        'SELECT asset, protocol, profile FROM request_assets WHERE request_id = ? ORDER BY asset',
      ),
      decisions: db.prepare<
        [string],
        {
          seq: number;
          approver_id: string;
          approver_name: string;
          decision: 'approve' | 'deny';
          comment: string;
          decided_at: number;
        }
      >(
        'SELECT d.seq, d.approver_id, u.name AS approver_name, d.decision, d.comment, d.decided_at FROM request_decisions d JOIN users u ON u.id = d.approver_id WHERE d.request_id = ? ORDER BY d.seq',
      ),
      addDecision: db.prepare(
        'INSERT INTO request_decisions (request_id, seq, approver_id, decision, comment, decided_at) VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM request_decisions WHERE request_id = ?), ?, ?, ?, ?)',
      ),
      setStatus: db.prepare<[RequestStatus, number | null, string, RequestStatus]>(
        'UPDATE access_requests SET status = ?, closed_at = ? WHERE id = ? AND status = ?',
      ),
      setRequired: db.prepare<[number, string]>(
        "UPDATE access_requests SET required_approvals = ? WHERE id = ? AND status = 'pending'",
      ),
      isFlagged: db.prepare<[string], { n: number }>(
        'SELECT count(*) AS n FROM request_quorum_flags WHERE request_id = ?',
      ),
      flag: db.prepare<[string, number]>(
        'INSERT OR IGNORE INTO request_quorum_flags (request_id, flagged_at) VALUES (?, ?)',
      ),
      unflag: db.prepare<[string]>('DELETE FROM request_quorum_flags WHERE request_id = ?'),
      byRequester: db.prepare<[string, number], Raw>(
        'SELECT * FROM access_requests WHERE requester_id = ? ORDER BY created_at DESC, id DESC LIMIT ?',
      ),
      bySite: db.prepare<[string, number], Raw>(
        'SELECT * FROM access_requests WHERE site = ? ORDER BY created_at DESC, id DESC LIMIT ?',
      ),
      pendingOfSite: db.prepare<[string], Raw>(
        "SELECT * FROM access_requests WHERE site = ? AND status = 'pending' ORDER BY starts_at, id",
      ),
      pendingEndedBy: db.prepare<[number], Raw>(
        "SELECT * FROM access_requests WHERE status = 'pending' AND ends_at <= ? ORDER BY ends_at",
      ),
      nextPendingEnd: db.prepare<[], { t: number | null }>(
        "SELECT min(ends_at) AS t FROM access_requests WHERE status = 'pending'",
      ),
    };
  }

  insert(r: RequestRow, assets: readonly RequestAssetRow[]): void {
    writeTransaction(this.db, () => {
      this.stmts.insert.run({ ...r, breakGlass: r.breakGlass ? 1 : 0 });
      for (const a of assets) this.stmts.insertAsset.run(r.id, a.asset, a.protocol, a.profile);
    })();
  }

  get(id: string): RequestRow | undefined {
    const r = this.stmts.get.get(id);
    return r === undefined ? undefined : toRow(r);
  }

  assets(id: string): RequestAssetRow[] {
    return this.stmts.assets.all(id);
  }

  decisions(id: string): DecisionRow[] {
    return this.stmts.decisions.all(id).map((d) => ({
      seq: d.seq,
      approverId: d.approver_id,
      approverName: d.approver_name,
      decision: d.decision,
      comment: d.comment,
      decidedAt: d.decided_at,
    }));
  }

  addDecision(
    requestId: string,
    approverId: string,
    decision: 'approve' | 'deny',
    comment: string,
    at: number,
  ): void {
    this.stmts.addDecision.run(requestId, requestId, approverId, decision, comment, at);
  }

  /** Moves a request from `from` to `to`; false if it was no longer in `from` (a concurrent change). */
  transition(id: string, from: RequestStatus, to: RequestStatus, at: number | null): boolean {
    return this.stmts.setStatus.run(to, at, id, from).changes === 1;
  }

  /** A pending request takes the site's new required approvals (false if it is no longer pending). */
  setRequiredApprovals(id: string, required: number): boolean {
    return this.stmts.setRequired.run(required, id).changes === 1;
  }

  /** Whether the request is flagged as unable to reach its approvals (access/quorum.ts). */
  isQuorumFlagged(id: string): boolean {
    return (this.stmts.isFlagged.get(id)?.n ?? 0) > 0;
  }

  /** Sets or clears the flag; true when that changed it. */
  setQuorumFlag(id: string, flagged: boolean, at: number): boolean {
    return (flagged ? this.stmts.flag.run(id, at) : this.stmts.unflag.run(id)).changes === 1;
  }

  listByRequester(userId: string, limit = 200): RequestRow[] {
    return this.stmts.byRequester.all(userId, limit).map(toRow);
  }

  listBySite(site: string, limit = 200): RequestRow[] {
    return this.stmts.bySite.all(site, limit).map(toRow);
  }

  pendingOfSite(site: string): RequestRow[] {
    return this.stmts.pendingOfSite.all(site).map(toRow);
  }

  /** Pending requests whose end has passed: nobody can approve them any more. */
  pendingEndedBy(now: number): RequestRow[] {
    return this.stmts.pendingEndedBy.all(now).map(toRow);
  }

  nextPendingEnd(): number | null {
    return this.stmts.nextPendingEnd.get()?.t ?? null;
  }
}
