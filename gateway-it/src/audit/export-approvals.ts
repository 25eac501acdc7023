/**
 * Four-eyes exports: a site that requires a second person's approval before a recording plays
 * (the playback setting, recording/playback-approvals.ts) requires it for an export bundle that
 * carries recordings too, since a bundle hands the recordings out. The flow is playback's: the
 * requester says why; an auditor or OT owner of the site who is not the requester approves or
 * refuses; the approval lets the requester start one export of a range inside the approved one,
 * within `approvalTtlMs` (default 1 hour), and is then used up.
 *
 * Guarantees: every request, decision and refusal is audited in the transaction that makes it
 * (`audit.export_request`, `audit.export_approve`; a refused export is `audit.export` denied,
 * written by ExportJobs); `admit` is what ExportJobs.start calls before any export starts, so the
 * API and the portal cannot go around it. A range with no verified recording exports without
 * approval (the bundle carries events only). Not here: who may export at all (auditors of the site
 * and admins: the HTTP faces check), and the bundle itself.
 */
import { z } from 'zod';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import { isAdmin, type Actor } from '../access/access.js';
import { canApprovePlayback, decideFourEyes } from '../recording/recording.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export const EXPORT_REQUEST_STATES = ['pending', 'approved', 'refused', 'used'] as const;

export interface ExportApprovalRequest {
  readonly id: string;
  readonly site: string;
  readonly requester: string;
  readonly from: number;
  readonly to: number;
  readonly reason: string;
  readonly createdAt: number;
  readonly state: (typeof EXPORT_REQUEST_STATES)[number];
  readonly decidedBy: string | null;
  readonly decidedAt: number | null;
  readonly expiresAt: number | null;
  readonly exportId: string | null;
}

/** What `admit` found: no approval needed, or the approval the export uses. */
export type ExportAdmission =
  | { readonly required: false }
  | { readonly required: true; readonly approval: ExportApprovalRequest };

export interface ExportApprovalsDeps {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** Whether the site requires four-eyes playback (PlaybackApprovals.fourEyes). */
  readonly fourEyes: (site: string) => boolean;
  /** Whether an export of the range would carry a recording (a verified one overlaps it). */
  readonly carriesRecordings: (site: string, from: number, to: number) => boolean;
  readonly approvalTtlMs?: number;
}

const reasonSchema = z
  .string()
  .trim()
  .min(3, 'reason: say why you need the recordings')
  .max(300, 'reason: at most 300 characters');

const COLUMNS =
  'id, site, requester, range_from AS "from", range_to AS "to", reason, created_at AS createdAt, state, decided_by AS decidedBy, decided_at AS decidedAt, expires_at AS expiresAt, export_id AS exportId';

export class ExportApprovals {
  private readonly stmts;
  private readonly ttl: number;

  constructor(private readonly deps: ExportApprovalsDeps) {
    const { db } = deps;
    this.ttl = deps.approvalTtlMs ?? 3_600_000;
    this.stmts = {
      insert: db.prepare(
        "INSERT INTO export_requests (id, site, requester, range_from, range_to, reason, created_at, state) VALUES (@id, @site, @requester, @from, @to, @reason, @createdAt, 'pending')",
      ),
      get: db.prepare<[string], ExportApprovalRequest>(
        `SELECT ${COLUMNS} FROM export_requests WHERE id = ?`,
      ),
      bySite: db.prepare<[string, number], ExportApprovalRequest>(
        `SELECT ${COLUMNS} FROM export_requests WHERE site = ? ORDER BY created_at DESC, rowid DESC LIMIT ?`,
      ),
      usable: db.prepare<[string, string, number, number, number], ExportApprovalRequest>(
        `SELECT ${COLUMNS} FROM export_requests WHERE requester = ? AND site = ? AND state = 'approved'
           AND range_from <= ? AND range_to >= ? AND expires_at > ? ORDER BY decided_at LIMIT 1`,
      ),
      pending: db.prepare<[string, string], { n: number }>(
        "SELECT COUNT(*) AS n FROM export_requests WHERE requester = ? AND site = ? AND state = 'pending'",
      ),
      decide: db.prepare<[string, string, number, number | null, string]>(
        "UPDATE export_requests SET state = ?, decided_by = ?, decided_at = ?, expires_at = ? WHERE id = ? AND state = 'pending'",
      ),
      use: db.prepare<[string, string]>(
        "UPDATE export_requests SET state = 'used', export_id = ? WHERE id = ? AND state = 'approved'",
      ),
    };
  }

  /** Whether an export of this range at this site needs a second person's approval. */
  required(site: string, from: number, to: number): boolean {
    return this.deps.fourEyes(site) && this.deps.carriesRecordings(site, from, to);
  }

  /** Asks for approval to export a range that carries recordings; audited `audit.export_request`. */
  request(actor: Actor, site: string, from: number, to: number, reasonText: string) {
    const reason = reasonSchema.safeParse(reasonText);
    if (!reason.success)
      throw new AirlockError(
        'bad_request',
        'export.reason',
        reason.error.issues[0]?.message ?? 'reason: invalid',
      );
    if (!(Number.isSafeInteger(from) && Number.isSafeInteger(to) && 0 <= from && from <= to))
      throw new AirlockError(
        'bad_request',
        'export.range',
        'from and to: from must not be after to',
      );
    if (!this.deps.fourEyes(site))
      throw new AirlockError(
        'conflict',
        'export.four_eyes_off',
        `${site} does not require approval for exports (its four-eyes playback is off)`,
      );
    if (this.stmts.pending.get(actor.name, site)?.n)
      throw new AirlockError(
        'conflict',
        'export.request_open',
        `your export request at ${site} is waiting for a decision`,
      );
    const row = {
      id: this.deps.ids.next('xrq'),
      site,
      requester: actor.name,
      from,
      to,
      reason: reason.data,
      createdAt: this.deps.clock.now(),
    };
    writeTransaction(this.deps.db, () => {
      this.stmts.insert.run(row);
      this.deps.audit.append({
        action: 'audit.export_request',
        actor: actor.name,
        site,
        target: row.id,
        outcome: 'success',
        details: { from, to, reason: row.reason },
      });
    })();
    return this.mustGet(row.id);
  }

  /** A second auditor or OT owner of the site approves or refuses; never the requester. */
  decide(actor: Actor, id: string, approve: boolean): ExportApprovalRequest {
    const r = this.stmts.get.get(id);
    if (r === undefined || !(canApprovePlayback(actor, r.site) || isAdmin(actor)))
      throw new AirlockError('not_found', 'export.request_unknown', `no export request ${id}`);
    decideFourEyes(this.deps, actor, approve, this.ttl, {
      action: 'audit.export_approve',
      site: r.site,
      target: id,
      requester: r.requester,
      state: r.state,
      idDetails: {},
      decidedDetails: { from: r.from, to: r.to },
      selfApproval: {
        code: 'export.self_approval',
        message:
          'an export with recordings needs a second person: you cannot decide your own request',
      },
      approverRole: {
        code: 'export.approver_role',
        message: `only an auditor or OT owner of ${r.site} decides export requests`,
      },
      decided: {
        code: 'export.request_decided',
        already: `export request ${id} was already ${r.state}`,
        meanwhile: `export request ${id} was decided meanwhile`,
      },
      store: (state, by, at, expiresAt) =>
        this.stmts.decide.run(state, by, at, expiresAt, id).changes,
    });
    return this.mustGet(id);
  }

  /**
   * Whether `requester` may export the range now: not required, or an unused, unexpired approval
   * of theirs covers it. Throws `export.four_eyes_required` (403) otherwise; the caller audits.
   */
  admit(requester: string, site: string, from: number, to: number): ExportAdmission {
    if (!this.required(site, from, to)) return { required: false };
    const approval = this.stmts.usable.get(requester, site, from, to, this.deps.clock.now());
    if (approval !== undefined) return { required: true, approval };
    const waiting = (this.stmts.pending.get(requester, site)?.n ?? 0) > 0;
    throw new AirlockError(
      'access_denied',
      'export.four_eyes_required',
      waiting
        ? `${site} requires a second person's approval for an export that carries recordings; your request is waiting for a decision`
        : `${site} requires a second person's approval for an export that carries recordings: ask for one (POST /api/v1/sites/${site}/export-requests, or the Exports page), then export a range inside the approved one`,
    );
  }

  /** Marks an approval used by `exportId` (once: a second use finds it gone). */
  use(approvalId: string, exportId: string): void {
    if (this.stmts.use.run(exportId, approvalId).changes !== 1)
      throw new AirlockError(
        'conflict',
        'export.approval_used',
        `export approval ${approvalId} was already used`,
      );
  }

  /** Export requests at a site, newest first (its auditors, OT owners and admins). */
  list(actor: Actor, site: string, limit = 100): ExportApprovalRequest[] {
    if (!(canApprovePlayback(actor, site) || isAdmin(actor)))
      throw new AirlockError(
        'access_denied',
        'export.not_allowed',
        `only auditors and OT owners of ${site} see its export requests`,
      );
    return this.stmts.bySite.all(site, limit);
  }

  private mustGet(id: string): ExportApprovalRequest {
    const r = this.stmts.get.get(id);
    if (r === undefined)
      throw new AirlockError(
        'internal',
        'export.request_lost',
        `export request ${id} was not stored`,
      );
    return r;
  }
}
