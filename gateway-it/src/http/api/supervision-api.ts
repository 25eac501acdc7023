/**
 * The API face of the portal's supervision pages, for OT owners (and auditors, admins) of a site:
 * its live sessions, its recordings (the asciicast text of a verified one, each playback audited by
 * the library), and a search of its audit events (the IT log's events of the site and the site's
 * own OT log, each search audited by AuditSearch). Ending a session stays in the portal. The
 * per-site rules are checked here before any service is asked; the services check them again.
 */
import { AirlockError } from '../../../../shared/src/errors.js';
import { isAdmin, isAuditorOf, isOtOwnerOf } from '../../access/access.js';
import type { AuditSearchQuery } from '../../audit/audit.js';
import { recordingFilterSchema } from '../../recording/recording.js';
import { parseQuery } from './audit-api.js';
import type { AccessHttpServices } from '../http-services.js';
import { filterSessions, parseListQuery, sessionListApiQuery } from '../list-filters.js';
import { op, type ApiOperation } from './api-registry.js';
import { omitUndefined } from '../../../../shared/src/omit-undefined.js';

const SESSION_ROLES = ['ot-owner', 'admin'] as const;
const AUDIT_ROLES = ['ot-owner', 'auditor', 'admin'] as const;

/** An ISO 8601 time in a query parameter; absent: `fallback`. */
function queryTime(
  query: Readonly<Record<string, string>>,
  name: string,
  fallback: number,
): number {
  const text = query[name];
  if (text === undefined) return fallback;
  const t = Date.parse(text);
  if (Number.isNaN(t))
    throw new AirlockError('bad_request', 'request.invalid', `${name}: not an ISO 8601 time`);
  return t;
}

export function supervisionOperations(s: AccessHttpServices): ApiOperation[] {
  const { sessions, recordings } = s;
  const auditSearch = s.audit.search;
  return [
    op({
      method: 'get',
      path: '/sites/:site/sessions',
      tag: 'supervision',
      roles: [...SESSION_ROLES],
      summary: 'Live sessions of a site (its OT owners, admins); q searches, protocol filters',
      query: sessionListApiQuery,
      responses: { 200: 'the live sessions', 403: 'not an OT owner of the site' },
      handler: ({ user, params, query }) => {
        const site = params.site ?? '';
        if (!isOtOwnerOf(user, site) && !isAdmin(user))
          throw new AirlockError(
            'access_denied',
            'session.not_owner',
            `only an OT owner of ${site} sees its live sessions`,
          );
        return {
          json: filterSessions(
            sessions.list({ site }),
            parseListQuery(sessionListApiQuery, query),
          ).map((l) => {
            const {
              id,
              userName,
              asset,
              protocol,
              channel,
              grantId,
              profile,
              breakGlass,
              startedAt,
              notAfter,
              source,
            } = l.info;
            return {
              id,
              user: userName,
              site,
              asset,
              protocol,
              channel,
              grantId,
              profile,
              breakGlass,
              startedAt: new Date(startedAt).toISOString(),
              notAfter: new Date(notAfter).toISOString(),
              source,
            };
          }),
        };
      },
    }),
    op({
      method: 'get',
      path: '/sites/:site/recordings',
      tag: 'supervision',
      roles: [...AUDIT_ROLES],
      summary:
        'Session recordings of a site, newest first (its OT owners and auditors, admins); `q`: part of the user, asset or session id; `status`: one state',
      query: recordingFilterSchema,
      responses: { 200: 'the recordings', 403: 'not an OT owner or auditor of the site' },
      handler: ({ user, params, query }) => ({
        json: recordings.list(user, params.site ?? '', parseQuery(recordingFilterSchema, query)),
      }),
    }),
    op({
      method: 'get',
      path: '/recordings/:id',
      tag: 'supervision',
      roles: [...AUDIT_ROLES],
      summary: 'A verified recording with its asciicast v2 text (the playback is audited)',
      responses: {
        200: 'the recording and its asciicast text',
        404: 'no such recording you may see',
        409: 'not verified (yet)',
      },
      handler: ({ user, params }) => {
        const id = params.id ?? '';
        const cast = recordings.play(user, id).toString('utf8');
        return { json: { recording: recordings.get(user, id), asciicast: cast } };
      },
    }),
    op({
      method: 'get',
      path: '/sites/:site/audit',
      tag: 'supervision',
      roles: [...AUDIT_ROLES],
      summary:
        'Audit events of a site, IT and OT logs (query: from, to as ISO 8601; action (exact, or a prefix ending in "."), actor, target, outcome, limit, cursor); the search is audited',
      responses: {
        200: 'the matching events and a cursor when more may match',
        400: 'a bad query parameter',
        403: 'not an OT owner or auditor of the site',
      },
      handler: ({ user, params, query }) => {
        const site = params.site ?? '';
        if (!isOtOwnerOf(user, site) && !isAuditorOf(user, site) && !isAdmin(user))
          throw new AirlockError(
            'access_denied',
            'audit.not_allowed',
            `only OT owners and auditors of ${site} see its audit log`,
          );
        const now = s.clock.now();
        const limit = query.limit === undefined ? undefined : Number(query.limit);
        const result = auditSearch.search(
          {
            site,
            from: queryTime(query, 'from', now - 86_400_000),
            to: queryTime(query, 'to', now),
            ...omitUndefined({ action: query.action, actor: query.actor, target: query.target }),
            // Checked against the outcome list by AuditSearch (400 naming the field).
            ...(query.outcome === undefined
              ? {}
              : { outcome: query.outcome as NonNullable<AuditSearchQuery['outcome']> }),
            ...omitUndefined({ limit, cursor: query.cursor }),
          },
          user.name,
        );
        return {
          json: {
            events: result.hits.map((h) => ({
              log: h.log,
              ...h.event,
              time: new Date(h.event.time).toISOString(),
            })),
            ...omitUndefined({ nextCursor: result.nextCursor }),
          },
        };
      },
    }),
  ];
}
