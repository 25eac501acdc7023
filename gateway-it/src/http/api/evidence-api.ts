/**
 * Evidence packs over the API: POST /grants/{id}/evidence-pack and /windows/{id}/evidence-pack
 * answer with the signed pack itself (tar.gz; `airlock-it verify-export` checks it). Auditors and
 * OT owners of the subject's site, and admins, may ask; anyone else gets 404 naming nothing (an id
 * says nothing to others), audited as a refusal by the HTTP face. The pack, its refusals (four eyes,
 * busy) and failures are audited by the service (`audit.evidence_pack`) before a byte is returned.
 */
import { Readable } from 'node:stream';
import { z } from 'zod';
import { AirlockError } from '../../../../shared/src/errors.js';
import { canPackEvidence, type EvidencePackRequest } from '../../audit/audit.js';
import type { User } from '../../store/store.js';
import type { AccessHttpServices } from '../http-services.js';
import { op, type ApiOperation, type ApiResult } from './api-registry.js';

const packBody = z.strictObject({
  /** False: leave recordings out (no four-eyes approval needed). Default true. */
  recordings: z.boolean().optional(),
});
const windowPackBody = packBody.extend({
  /** The occurrence that started last at or before this time (default now). */
  at: z.iso.datetime({ offset: true }).optional(),
});

/** The pack as a download, after the role check at the subject's site. */
export async function evidenceDownload(
  s: AccessHttpServices,
  user: User,
  req: Omit<EvidencePackRequest, 'requestedBy'>,
): Promise<Extract<ApiResult, { file: unknown }>> {
  const evidence = s.audit.evidence;
  // An unknown grant or window is not_found with its own code (evidence.unknown_*, no_occurrence).
  const site = evidence.subject(req).site;
  if (!canPackEvidence(user, site))
    throw new AirlockError(
      'not_found',
      `evidence.unknown_${req.kind}`,
      `no ${req.kind} ${req.id}`,
      {
        subject: { site, target: req.id },
      },
    );
  const f = await evidence.open({ ...req, requestedBy: user.name });
  return {
    file: {
      stream: Readable.toWeb(f.stream) as ReadableStream<Uint8Array>,
      contentType: 'application/gzip',
      fileName: f.fileName,
      bytes: f.bytes,
    },
  };
}

const RESPONSES = {
  200: 'the signed evidence pack (tar.gz)',
  403: 'the site requires four-eyes playback, the pack carries recordings and no approved export request of yours covers its range (export.four_eyes_required); or send recordings: false',
  404: 'no such grant or window you may see',
  503: 'the export queue is full (export.busy); try again when one has finished',
};

export function evidenceOperations(s: AccessHttpServices): ApiOperation[] {
  return [
    op({
      method: 'post',
      path: '/grants/:id/evidence-pack',
      tag: 'audit',
      roles: ['auditor', 'ot-owner', 'admin'],
      summary:
        'The evidence pack of one grant: request, approvals, scope, sessions and recordings, operations, refusals, policy hashes, chain proof',
      body: packBody,
      responses: RESPONSES,
      handler: ({ user, params, body, source }) =>
        evidenceDownload(s, user, {
          kind: 'grant',
          id: params.id ?? '',
          recordings: body.recordings !== false,
          source,
        }),
    }),
    op({
      method: 'post',
      path: '/windows/:id/evidence-pack',
      tag: 'audit',
      roles: ['auditor', 'ot-owner', 'admin'],
      summary:
        'The evidence pack of one maintenance window occurrence (every grant valid during it)',
      body: windowPackBody,
      responses: RESPONSES,
      handler: ({ user, params, body, source }) =>
        evidenceDownload(s, user, {
          kind: 'window',
          id: params.id ?? '',
          recordings: body.recordings !== false,
          ...(body.at === undefined ? {} : { at: Date.parse(body.at) }),
          source,
        }),
    }),
  ];
}
