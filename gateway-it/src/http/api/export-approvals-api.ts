/**
 * Four-eyes exports in the API: asking for approval to export a range that carries recordings (an
 * auditor of the site), deciding it (another auditor or OT owner of the site), and listing a site's
 * requests. The rules and the audit are ExportApprovals' (audit/export-approvals.ts); the export
 * itself (`POST /sites/{site}/exports`) is refused with 403 `export.four_eyes_required` until an
 * approval covers its range.
 */
import { z } from 'zod';
import type { ExportApprovalRequest } from '../../audit/audit.js';
import type { AccessHttpServices } from '../http-services.js';
import { op, type ApiOperation } from './api-registry.js';
import { requireAuditorOf } from './audit-api.js';

const isoTime = z.iso.datetime({ offset: true });
const requestBody = z.strictObject({ from: isoTime, to: isoTime, reason: z.string().max(300) });
const decisionBody = z.strictObject({ decision: z.enum(['approve', 'refuse']) });

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export const exportRequestJson = (r: ExportApprovalRequest): unknown => ({
  ...r,
  from: iso(r.from),
  to: iso(r.to),
  createdAt: iso(r.createdAt),
  decidedAt: iso(r.decidedAt),
  expiresAt: iso(r.expiresAt),
});

export function exportApprovalOperations(s: AccessHttpServices): ApiOperation[] {
  const approvals = s.audit.exportApprovals;
  return [
    op({
      method: 'post',
      path: '/sites/:site/export-requests',
      tag: 'audit',
      roles: ['auditor', 'admin'],
      summary:
        'Ask a second auditor or OT owner of the site to approve an export whose range carries recordings (sites with four-eyes playback)',
      body: requestBody,
      responses: {
        201: 'requested',
        400: 'no reason, or a bad range',
        403: 'not an auditor of the site',
        409: 'the site does not require it (export.four_eyes_off), or your request is open',
      },
      handler: ({ user, params, body }) => {
        const site = params.site ?? '';
        requireAuditorOf(user, site);
        return {
          status: 201,
          json: exportRequestJson(
            approvals.request(user, site, Date.parse(body.from), Date.parse(body.to), body.reason),
          ),
        };
      },
    }),
    op({
      method: 'get',
      path: '/sites/:site/export-requests',
      tag: 'audit',
      roles: ['auditor', 'ot-owner', 'admin'],
      summary: 'Four-eyes export requests of a site, newest first',
      handler: ({ user, params }) => ({
        json: approvals.list(user, params.site ?? '').map(exportRequestJson),
      }),
    }),
    op({
      method: 'post',
      path: '/export-requests/:id/decision',
      tag: 'audit',
      roles: ['auditor', 'ot-owner'],
      summary: "Approve or refuse someone else's export request (never your own)",
      body: decisionBody,
      responses: {
        200: 'decided',
        403: 'your own request, or not an auditor/OT owner of the site',
        404: 'no such request',
        409: 'already decided',
      },
      handler: ({ user, params, body }) => ({
        json: exportRequestJson(
          approvals.decide(user, params.id ?? '', body.decision === 'approve'),
        ),
      }),
    }),
  ];
}
