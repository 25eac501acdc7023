/**
 * The auditor's API: events of a site filtered and paged, the one-asset page, exports (start,
 * progress, download, the key that verifies them) and four-eyes playback (site setting, requests,
 * decisions). An auditor sees their own sites only (another site: 403); admins see every site.
 * Every search, view, export, download, playback request and decision is audited by the service
 * it calls, before anything is returned.
 */
import { Readable } from 'node:stream';
import { z } from 'zod';
import { AUDIT_OUTCOMES } from '../../../../shared/src/audit/audit-event.js';
import { AirlockError } from '../../../../shared/src/errors.js';
import { isAdmin, isAuditorOf } from '../../access/access.js';
import {
  AUDIT_AREAS,
  actionFilter,
  type AuditSearchHit,
  type AssetPageView,
  assetPageView,
  type ExportJobStatus,
  type ExportJobs,
} from '../../audit/audit.js';
import type { PlaybackRequest } from '../../recording/recording.js';
import type { User } from '../../store/store.js';
import type { AccessHttpServices, AuditHttpServices } from '../http-services.js';
import { op, type ApiOperation } from './api-registry.js';
import { omitUndefined } from '../../../../shared/src/omit-undefined.js';

/** Auditors of the site and admins; anyone else gets 403 naming the site. */
export function requireAuditorOf(user: User, site: string): void {
  if (!isAuditorOf(user, site) && !isAdmin(user))
    throw new AirlockError(
      'access_denied',
      'audit.not_auditor',
      `only auditors of ${site} (and admins) see its audit trail`,
      { subject: { site, target: site } },
    );
}

/** An export the user may see (404 otherwise: an id says nothing to others). */
export function visibleExport(exports: ExportJobs, user: User, id: string): ExportJobStatus {
  const job = exports.get(id);
  if (job === undefined || !(isAuditorOf(user, job.site) || isAdmin(user)))
    throw new AirlockError('not_found', 'export.unknown', `no export ${id}`);
  return job;
}

const isoTime = z.iso.datetime({ offset: true });
const rangeQuery = { from: isoTime, to: isoTime };
export const eventsQuery = z.strictObject({
  ...rangeQuery,
  actor: z.string().min(1).max(256).optional(),
  asset: z.string().min(1).max(512).optional(),
  /** An action area of the catalogue (`ssh`): events whose action is `ssh.*`. */
  area: z.enum(AUDIT_AREAS).optional(),
  action: z.string().min(1).max(64).optional(),
  outcome: z.enum(AUDIT_OUTCOMES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  cursor: z.string().max(200).optional(),
});
const assetQuery = z.strictObject(rangeQuery);
const exportBody = z.strictObject({ from: isoTime, to: isoTime });
const policyBody = z.strictObject({ fourEyes: z.boolean() });
const playRequestBody = z.strictObject({ reason: z.string().max(300) });
const decisionBody = z.strictObject({ decision: z.enum(['approve', 'refuse']) });

export function parseQuery<S extends z.ZodType>(
  schema: S,
  query: Readonly<Record<string, string>>,
): z.output<S> {
  const r = schema.safeParse(query);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  throw new AirlockError(
    'bad_request',
    'http.bad_query',
    `${i?.path.join('.') || 'query'}: ${i?.message ?? 'invalid'}`,
    { details: { field: i?.path.join('.') ?? null } },
  );
}

const iso = (ms: number | null | undefined): string | null =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();

export const hitJson = (h: AuditSearchHit): unknown => ({
  log: h.log,
  ...h.event,
  time: iso(h.event.time),
});

export function assetPageJson(v: AssetPageView): unknown {
  return {
    site: v.site,
    asset: v.asset,
    from: iso(v.from),
    to: iso(v.to),
    incomplete: v.incomplete,
    sessions: v.sessions.map((s) => ({
      ...s,
      start: iso(s.start),
      end: iso(s.end),
      approvals: s.approvals.map((a) => ({ ...a, time: iso(a.time) })),
      commands: s.commands.map(hitJson),
      writes: s.writes.map(hitJson),
      recording:
        s.recording === null ? null : { ...s.recording, url: `/recordings/${s.sessionId}` },
    })),
    events: v.events.map(hitJson),
  };
}

export function exportJson(j: ExportJobStatus): unknown {
  return {
    ...j,
    from: iso(j.from),
    to: iso(j.to),
    startedAt: iso(j.startedAt),
    finishedAt: iso(j.finishedAt),
    ...(j.state === 'done' ? { download: `/api/v1/exports/${j.id}/bundle` } : {}),
  };
}

export const playRequestJson = (r: PlaybackRequest): unknown => ({
  ...r,
  createdAt: iso(r.createdAt),
  decidedAt: iso(r.decidedAt),
  expiresAt: iso(r.expiresAt),
});

/** The asset page for `user` (audited as `audit.view` by the search service). */
export function assetPage(
  a: AuditHttpServices,
  user: User,
  site: string,
  asset: string,
  from: number,
  to: number,
): AssetPageView {
  requireAuditorOf(user, site);
  return assetPageView(a.search.assetActivity(site, asset, from, to, user.name), (id) =>
    a.playback.recordingOf(id),
  );
}

export function auditOperations(s: AccessHttpServices): ApiOperation[] {
  const a = s.audit;
  const recording = (user: User, id: string) => {
    const r = s.recordings.get(user, id);
    if (r === undefined)
      throw new AirlockError('not_found', 'recording.not_found', `no recording ${id}`);
    return r;
  };
  return [
    op({
      method: 'get',
      path: '/sites/:site/audit/events',
      tag: 'audit',
      roles: ['auditor', 'admin'],
      summary:
        'Events of a site (IT and OT logs) in a time range, filtered by actor, asset, area (`ssh`: every `ssh.*` action), action (exact, or a prefix ending in a dot) and outcome; paged with `cursor`',
      query: eventsQuery,
      responses: { 200: '{ hits, nextCursor? }', 403: 'not an auditor of the site' },
      handler: ({ user, params, query }) => {
        const site = params.site ?? '';
        requireAuditorOf(user, site);
        const q = parseQuery(eventsQuery, query);
        const r = a.search.search(
          {
            site,
            from: Date.parse(q.from),
            to: Date.parse(q.to),
            ...omitUndefined({
              actor: q.actor,
              target: q.asset,
              action: actionFilter(q.area, q.action),
              outcome: q.outcome,
              limit: q.limit,
              cursor: q.cursor,
            }),
          },
          user.name,
        );
        return {
          json: {
            hits: r.hits.map(hitJson),
            scanned: r.scanned,
            ...omitUndefined({ nextCursor: r.nextCursor }),
          },
        };
      },
    }),
    op({
      method: 'get',
      path: '/sites/:site/audit/assets/:asset',
      tag: 'audit',
      roles: ['auditor', 'admin'],
      summary:
        'Who was on one asset in a time range: sessions with their grant, request, approvers, commands, protocol writes and recording',
      query: assetQuery,
      responses: { 200: 'the asset page', 403: 'not an auditor of the site' },
      handler: ({ user, params, query }) => {
        const q = parseQuery(assetQuery, query);
        return {
          json: assetPageJson(
            assetPage(
              a,
              user,
              params.site ?? '',
              params.asset ?? '',
              Date.parse(q.from),
              Date.parse(q.to),
            ),
          ),
        };
      },
    }),
    op({
      method: 'get',
      path: '/audit/public-key',
      tag: 'audit',
      roles: ['auditor', 'admin'],
      summary: 'The IT audit public key (base64url Ed25519) that verifies export bundles',
      handler: () => ({ json: { algorithm: 'Ed25519', publicKey: a.publicKey } }),
    }),
    op({
      method: 'post',
      path: '/sites/:site/exports',
      tag: 'audit',
      roles: ['auditor', 'admin'],
      summary: 'Start a signed export of a site for a time range; poll the job for progress',
      body: exportBody,
      responses: {
        202: 'started',
        403: 'not an auditor of the site; or the site requires four-eyes playback, the range carries recordings and no approval of yours covers it (export.four_eyes_required: ask at /sites/{site}/export-requests)',
        503: 'the export queue is full (export.busy); try again when one has finished',
      },
      handler: ({ user, params, body, source }) => {
        const site = params.site ?? '';
        requireAuditorOf(user, site);
        return {
          status: 202,
          json: exportJson(
            a.exports.start({
              site,
              from: Date.parse(body.from),
              to: Date.parse(body.to),
              requestedBy: user.name,
              source,
            }),
          ),
        };
      },
    }),
    op({
      method: 'get',
      path: '/sites/:site/exports',
      tag: 'audit',
      roles: ['auditor', 'admin'],
      summary: 'Exports of a site since the gateway started',
      handler: ({ user, params }) => {
        requireAuditorOf(user, params.site ?? '');
        return { json: a.exports.list(params.site ?? '').map(exportJson) };
      },
    }),
    op({
      method: 'get',
      path: '/exports/:id',
      tag: 'audit',
      roles: ['auditor', 'admin'],
      summary: 'An export job: state and progress',
      responses: { 200: 'the job', 404: 'no such export you may see' },
      handler: ({ user, params }) => ({
        json: exportJson(visibleExport(a.exports, user, params.id ?? '')),
      }),
    }),
    op({
      method: 'get',
      path: '/exports/:id/bundle',
      tag: 'audit',
      roles: ['auditor', 'admin'],
      summary:
        'Download a finished export bundle (tar.gz); check it with `airlock-it verify-export`',
      responses: { 200: 'the bundle', 404: 'no such finished export you may see' },
      handler: ({ user, params }) => {
        const job = visibleExport(a.exports, user, params.id ?? '');
        const f = a.exports.download(job.id, user.name);
        return {
          file: {
            stream: Readable.toWeb(f.stream) as ReadableStream<Uint8Array>,
            contentType: 'application/gzip',
            fileName: f.fileName,
            bytes: f.bytes,
          },
        };
      },
    }),
    op({
      method: 'put',
      path: '/sites/:site/playback-policy',
      tag: 'audit',
      roles: ['ot-owner', 'admin'],
      summary:
        "Require (or stop requiring) a second person's approval before a recording of the site plays",
      body: policyBody,
      responses: { 200: 'saved', 403: 'not an OT owner of the site or admin' },
      handler: ({ user, params, body }) => {
        a.playback.setFourEyes(user, params.site ?? '', body.fourEyes);
        return { json: { site: params.site, fourEyes: a.playback.fourEyes(params.site ?? '') } };
      },
    }),
    op({
      method: 'get',
      path: '/sites/:site/playback-requests',
      tag: 'audit',
      roles: ['auditor', 'ot-owner', 'admin'],
      summary: 'Playback requests of a site and the four-eyes setting',
      handler: ({ user, params }) => ({
        json: {
          fourEyes: a.playback.fourEyes(params.site ?? ''),
          requests: a.playback.list(user, params.site ?? '').map(playRequestJson),
        },
      }),
    }),
    op({
      method: 'post',
      path: '/recordings/:id/playback-requests',
      tag: 'audit',
      summary: 'Ask a second auditor or OT owner of the site to approve playing a recording',
      body: playRequestBody,
      responses: {
        201: 'requested',
        404: 'no such recording you may see',
        409: 'the site does not require approval, or a request is open',
      },
      handler: ({ user, params, body }) => ({
        status: 201,
        json: playRequestJson(
          a.playback.request(user, recording(user, params.id ?? ''), body.reason),
        ),
      }),
    }),
    op({
      method: 'post',
      path: '/playback-requests/:id/decision',
      tag: 'audit',
      roles: ['auditor', 'ot-owner'],
      summary: "Approve or refuse someone else's playback request (never your own)",
      body: decisionBody,
      responses: {
        200: 'decided',
        403: 'your own request, or not an auditor/OT owner of the site',
        404: 'no such request',
        409: 'already decided',
      },
      handler: ({ user, params, body }) => ({
        json: playRequestJson(
          a.playback.decide(user, params.id ?? '', body.decision === 'approve'),
        ),
      }),
    }),
  ];
}
