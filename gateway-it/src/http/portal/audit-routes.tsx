/**
 * Portal routes of the auditor: the sites they audit, event search, the one-asset page, exports
 * (start, progress polled by the page, download, the verifying key) and four-eyes playback (the
 * site setting, requests and decisions). The same rules as the API (audit-api.ts): an auditor of
 * the site or an admin; every search, view, export, download and decision is audited by the service.
 */
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { z } from 'zod';
import { AirlockError, isAirlockError } from '../../../../shared/src/errors.js';
import { nameSchema } from '../../../../shared/src/model/session-ticket.js';
import {
  formatLocalInput,
  fromLocal,
  toLocal,
  isAdmin,
  sitesWithRole,
} from '../../access/access.js';
import { AUDIT_AREAS, actionFilter } from '../../audit/audit.js';
import { canApprovePlayback, canSetPlaybackPolicy } from '../../recording/recording.js';
import { parseFormBody } from '../body.js';
import type { AccessHttpServices, AuditHttpServices } from '../http-services.js';
import type { HttpVariables } from '../principal.js';
import { assetPage, parseQuery, requireAuditorOf, visibleExport } from '../api/audit-api.js';
import { localToInstant } from './access-routes.js';
import {
  AssetPage,
  AuditHome,
  ExportsPage,
  PlaybackPage,
  SearchForm,
  type RangeValues,
  type SearchValues,
} from './audit-pages.js';
import { EventsTable } from './audit-event-views.js';
import { ExportFourEyes, ExportRequestsTable } from './export-approval-pages.js';
import { page, viewer, type PortalContext } from './portal-context.js';
import { omitUndefined } from '../../../../shared/src/omit-undefined.js';

const local = z.string().max(20);
const searchQuery = z.strictObject({
  from: local.optional(),
  to: local.optional(),
  actor: z.string().max(256).optional(),
  asset: z.string().max(512).optional(),
  area: z.enum(['', ...AUDIT_AREAS]).optional(),
  action: z.string().max(64).optional(),
  outcome: z.enum(['', 'success', 'failure', 'denied']).optional(),
  cursor: z.string().max(200).optional(),
});
const rangeQuery = z.strictObject({ from: local.optional(), to: local.optional() });
const rangeForm = z.strictObject({ from: local, to: local });
const policyForm = z.strictObject({ fourEyes: z.enum(['on', 'off']) });
const reasonForm = z.strictObject({ reason: z.string().max(300) });
const exportRequestForm = z.strictObject({ from: local, to: local, reason: z.string().max(300) });

function siteParam(value: string): string {
  const r = nameSchema.safeParse(value);
  if (!r.success) throw new AirlockError('not_found', 'http.not_found', `no site ${value}`);
  return r.data;
}

/** The range a page shows: the one asked for, else today in the site's zone (midnight to now). */
function rangeOf(
  q: { from?: string | undefined; to?: string | undefined },
  now: number,
  tz: string,
): { values: RangeValues; from: number; to: number } {
  const today = toLocal(now, tz);
  const values = {
    from: q.from || formatLocalInput(fromLocal({ ...today, hour: 0, minute: 0 }, tz), tz),
    to: q.to || formatLocalInput(now + 60_000, tz),
  };
  const from = localToInstant(values.from, tz, 'from');
  // A minute-precise "to" means the whole minute.
  const to = localToInstant(values.to, tz, 'to') + 59_999;
  if (from > to) throw new AirlockError('bad_request', 'audit.range', 'from: must not be after to');
  return { values, from, to };
}

export function auditRoutes(
  s: AccessHttpServices,
  a: AuditHttpServices,
): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();
  const tz = (site: string): string => s.access.directory.timezoneOf(site);
  const auditedSite = (c: PortalContext) => {
    const v = viewer(c, s);
    const site = siteParam(c.req.param('site') ?? '');
    requireAuditorOf(v.user, site);
    return { v, site, zone: tz(site) };
  };

  app.get('/audit', (c) => {
    const v = viewer(c, s);
    const sites = isAdmin(v.user)
      ? s.access.directory.visible(v.user).map((x) => x.site.id)
      : sitesWithRole(v.user, 'auditor');
    return page(c, v, 'Audit', <AuditHome sites={sites} />);
  });

  app.get('/sites/:site/audit', (c) => {
    const { v, site, zone } = auditedSite(c);
    const q = parseQuery(searchQuery, c.req.query());
    const range = rangeOf(q, s.clock.now(), zone);
    const values: SearchValues = {
      ...range.values,
      actor: q.actor ?? '',
      asset: q.asset ?? '',
      area: q.area ?? '',
      action: q.action ?? '',
      outcome: q.outcome ?? '',
    };
    const action = actionFilter(
      values.area === '' ? undefined : values.area,
      values.action === '' ? undefined : values.action,
    );
    const r = a.search.search(
      {
        site,
        from: range.from,
        to: range.to,
        ...(values.actor === '' ? {} : { actor: values.actor }),
        ...(values.asset === '' ? {} : { target: values.asset }),
        ...omitUndefined({ action }),
        ...(q.outcome === undefined || q.outcome === '' ? {} : { outcome: q.outcome }),
        ...omitUndefined({ cursor: q.cursor }),
      },
      v.user.name,
    );
    const next =
      r.nextCursor === undefined
        ? undefined
        : `/sites/${site}/audit?${new URLSearchParams({ ...values, cursor: r.nextCursor }).toString()}`;
    return page(
      c,
      v,
      `Audit trail of ${site}`,
      <>
        <SearchForm site={site} values={values} tz={zone} areas={AUDIT_AREAS} />
        <EventsTable site={site} hits={r.hits} tz={zone} range={range.values} />
        {next !== undefined && (
          <p>
            <a href={next}>Next page</a>
          </p>
        )}
      </>,
    );
  });

  app.get('/sites/:site/audit/assets/:asset', (c) => {
    const { v, site, zone } = auditedSite(c);
    const asset = c.req.param('asset');
    const range = rangeOf(parseQuery(rangeQuery, c.req.query()), s.clock.now(), zone);
    const view = assetPage(a, v.user, site, asset, range.from, range.to);
    return page(
      c,
      v,
      `Who was on ${asset} at ${site}`,
      <AssetPage view={view} tz={zone} range={range.values} />,
    );
  });

  const exportsPage = (
    c: PortalContext,
    v: ReturnType<typeof viewer>,
    site: string,
    zone: string,
    range: RangeValues,
    error?: string,
  ) => {
    const fourEyes = a.playback.fourEyes(site);
    return page(
      c,
      v,
      `Exports of ${site}`,
      <ExportsPage
        site={site}
        jobs={a.exports.list(site)}
        tz={zone}
        range={range}
        publicKey={a.publicKey}
        csrf={v.csrf}
        fourEyes={
          fourEyes && (
            <>
              <ExportFourEyes site={site} range={range} tz={zone} csrf={v.csrf} />
              <h2>Export requests</h2>
              <ExportRequestsTable
                requests={a.exportApprovals.list(v.user, site)}
                tz={zone}
                me={v.user.name}
                canDecide={canApprovePlayback(v.user, site)}
                csrf={v.csrf}
              />
            </>
          )
        }
      />,
      error === undefined ? {} : { status: 403, error },
    );
  };

  app.get('/sites/:site/exports', (c) => {
    const { v, site, zone } = auditedSite(c);
    return exportsPage(c, v, site, zone, rangeOf({}, s.clock.now(), zone).values);
  });

  app.post('/sites/:site/exports', async (c) => {
    const { v, site, zone } = auditedSite(c);
    const f = await parseFormBody(c, rangeForm);
    const range = rangeOf(f, s.clock.now(), zone);
    try {
      a.exports.start({ site, from: range.from, to: range.to, requestedBy: v.user.name });
    } catch (e) {
      // Four eyes: the page says why and keeps the range in the form that asks for approval.
      if (!isAirlockError(e) || e.code !== 'export.four_eyes_required') throw e;
      return exportsPage(c, v, site, zone, range.values, e.message);
    }
    return c.redirect(`/sites/${site}/exports?notice=export-started`, 303);
  });

  app.post('/sites/:site/export-requests', async (c) => {
    const { v, site, zone } = auditedSite(c);
    const f = await parseFormBody(c, exportRequestForm);
    const range = rangeOf(f, s.clock.now(), zone);
    a.exportApprovals.request(v.user, site, range.from, range.to, f.reason);
    return c.redirect(`/sites/${site}/exports?notice=export-requested`, 303);
  });

  for (const decision of ['approve', 'refuse'] as const) {
    app.post(`/export-requests/:id/${decision}`, (c) => {
      const v = viewer(c, s);
      const r = a.exportApprovals.decide(v.user, c.req.param('id'), decision === 'approve');
      return c.redirect(
        `/sites/${r.site}/playback?notice=${decision === 'approve' ? 'export-approved' : 'export-refused'}`,
        303,
      );
    });
  }

  app.get('/exports/:id/bundle', (c) => {
    const v = viewer(c, s);
    const job = visibleExport(a.exports, v.user, c.req.param('id'));
    const f = a.exports.download(job.id, v.user.name);
    return c.body(Readable.toWeb(f.stream) as ReadableStream<Uint8Array>, 200, {
      'content-type': 'application/gzip',
      'content-length': String(f.bytes),
      'content-disposition': `attachment; filename="${f.fileName}"`,
    });
  });

  app.get('/sites/:site/playback', (c) => {
    const v = viewer(c, s);
    const site = siteParam(c.req.param('site'));
    const requests = a.playback.list(v.user, site);
    return page(
      c,
      v,
      `Recording playback at ${site}`,
      <>
        <PlaybackPage
          site={site}
          fourEyes={a.playback.fourEyes(site)}
          canSet={canSetPlaybackPolicy(v.user, site)}
          canDecide={canApprovePlayback(v.user, site)}
          me={v.user.name}
          requests={requests}
          tz={tz(site)}
          csrf={v.csrf}
        />
        <h2>Export requests (bundles with recordings)</h2>
        <ExportRequestsTable
          requests={a.exportApprovals.list(v.user, site)}
          tz={tz(site)}
          me={v.user.name}
          canDecide={canApprovePlayback(v.user, site)}
          csrf={v.csrf}
        />
      </>,
    );
  });

  app.post('/sites/:site/playback-policy', async (c) => {
    const v = viewer(c, s);
    const site = siteParam(c.req.param('site'));
    const f = await parseFormBody(c, policyForm);
    a.playback.setFourEyes(v.user, site, f.fourEyes === 'on');
    return c.redirect(`/sites/${site}/playback?notice=playback-policy-saved`, 303);
  });

  app.post('/recordings/:id/playback-requests', async (c) => {
    const v = viewer(c, s);
    const r = s.recordings.get(v.user, c.req.param('id'));
    if (r === undefined)
      throw new AirlockError(
        'not_found',
        'recording.not_found',
        `no recording ${c.req.param('id')}`,
      );
    const f = await parseFormBody(c, reasonForm);
    a.playback.request(v.user, r, f.reason);
    return c.redirect(`/recordings/${r.sessionId}?notice=play-requested`, 303);
  });

  for (const decision of ['approve', 'refuse'] as const) {
    app.post(`/playback-requests/:id/${decision}`, (c) => {
      const v = viewer(c, s);
      const r = a.playback.decide(v.user, c.req.param('id'), decision === 'approve');
      return c.redirect(
        `/sites/${r.site}/playback?notice=${decision === 'approve' ? 'play-approved' : 'play-refused'}`,
        303,
      );
    });
  }

  return app;
}
