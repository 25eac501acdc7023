/**
 * The owners' assertions kept with approvals, and each site's published approval mode
 * (owner-approval-migrations.ts). Rows are parsed with
 * the shared schemas when read, so what goes into a ticket is always well-formed; a row that no
 * longer parses is left out (the OT gateway would refuse it anyway). Not here: checking an
 * assertion (the OT gateway does) or deciding who may approve (access/).
 */
import type { Db } from '../../../shared/src/store/open-database.js';
import {
  approvalContentSchema,
  ownerAssertionSchema,
  type ApprovalContent,
  type OwnerAssertion,
} from '../../../shared/src/model/owner-approval.js';
import {
  siteApprovalsSchema,
  type SiteApprovals,
} from '../../../shared/src/model/site-approvals.js';

export interface StoredOwnerAssertion {
  readonly approverId: string;
  readonly content: ApprovalContent;
  readonly assertion: OwnerAssertion;
  readonly createdAt: number;
}

interface Row {
  approver_id: string;
  content: string;
  assertion: string;
  created_at: number;
}

export class OwnerApprovalStore {
  private readonly insertStmt;
  private readonly ofRequestStmt;
  private readonly modeStmt;
  private readonly putModeStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO owner_approval_assertions (request_id, approver_id, content, assertion, created_at)
       VALUES (?, ?, ?, ?, ?)`,
    );
    this.ofRequestStmt = db.prepare<[string], Row>(
      `SELECT approver_id, content, assertion, created_at FROM owner_approval_assertions
       WHERE request_id = ? ORDER BY created_at, approver_id`,
    );
    this.modeStmt = db.prepare<[string], { approvals: string }>(
      'SELECT approvals FROM site_approval_modes WHERE site = ?',
    );
    this.putModeStmt = db.prepare(
      `INSERT INTO site_approval_modes (site, approvals, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (site) DO UPDATE SET approvals = excluded.approvals, updated_at = excluded.updated_at`,
    );
  }

  /** The site's approval mode as last published; undefined: none stored (or no longer parses). */
  siteApprovals(site: string): SiteApprovals | undefined {
    const row = this.modeStmt.get(site);
    if (row === undefined) return undefined;
    const r = siteApprovalsSchema.safeParse(parseJson(row.approvals));
    return r.success ? r.data : undefined;
  }

  putSiteApprovals(site: string, approvals: SiteApprovals, now: number): void {
    this.putModeStmt.run(site, JSON.stringify(approvals), now);
  }

  insert(requestId: string, a: StoredOwnerAssertion): void {
    this.insertStmt.run(
      requestId,
      a.approverId,
      JSON.stringify(a.content),
      JSON.stringify(a.assertion),
      a.createdAt,
    );
  }

  ofRequest(requestId: string): StoredOwnerAssertion[] {
    const out: StoredOwnerAssertion[] = [];
    for (const row of this.ofRequestStmt.all(requestId)) {
      const content = approvalContentSchema.safeParse(parseJson(row.content));
      const assertion = ownerAssertionSchema.safeParse(parseJson(row.assertion));
      if (content.success && assertion.success)
        out.push({
          approverId: row.approver_id,
          content: content.data,
          assertion: assertion.data,
          createdAt: row.created_at,
        });
    }
    return out;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
