/**
 * Portal routes of the web terminal and live supervision: the terminal page for an SSH asset (the
 * session itself opens over the WebSocket, terminal-endpoint.ts, with the access check there), the
 * live sessions of a site and the watch page for its OT owners, ending a session (OT owner of the
 * site or admin; audited with the reason by OperatorSessions.terminate), and the terminal's files.
 */
import { Hono } from 'hono';
import { filterSessions, parseListQuery, sessionListQuery } from '../list-filters.js';
import { ListFilterForm } from './list-filter-form.js';
import { z } from 'zod';
import { AirlockError } from '../../../../shared/src/errors.js';
import { nameSchema } from '../../../../shared/src/model/session-ticket.js';
import { isAdmin, isOtOwnerOf } from '../../access/access.js';
import type { OperatorSessions, LiveSession } from '../../sessions/sessions.js';
import type { User } from '../../store/store.js';
import { parseFormBody } from '../body.js';
import type { AccessHttpServices } from '../http-services.js';
import type { HttpVariables } from '../principal.js';
import { siteTime } from './format.js';
import { page, viewer } from './portal-context.js';
import { terminalAssets, TERMINAL_CSS, TERMINAL_JS } from './terminal-assets.js';
import { LiveSessionsTable, ReplayPage, TerminalPage, WatchPage } from './terminal-pages.js';
import { recordingFilterSchema, type RecordingLibrary } from '../../recording/recording.js';
import { parseQuery } from '../api/audit-api.js';
import { RecordingsFilterForm, RecordingsTable } from './recordings-page.js';
import { FourEyesPage } from './audit-pages.js';

/** Paths served without a session: the terminal's static files (public code, no data). */
export const TERMINAL_PUBLIC_ROUTES: readonly string[] = [
  'GET /static/xterm.js',
  'GET /static/xterm.css',
  'GET /static/addon-fit.js',
  'GET /static/terminal.js',
  'GET /static/terminal.css',
];

const endForm = z.strictObject({
  reason: z.string().trim().min(3, 'reason: say why the session is ended').max(300),
});

export function nameParam(value: string, what: string): string {
  const r = nameSchema.safeParse(value);
  if (!r.success) throw new AirlockError('not_found', 'http.not_found', `no ${what} ${value}`);
  return r.data;
}

/** The live session, if the user owns its site (else 404: a session id says nothing to others). */
function ownedSession(
  sessions: OperatorSessions,
  user: User,
  id: string,
  allowAdmin: boolean,
): LiveSession {
  const s = sessions.get(id);
  if (s === undefined || !(isOtOwnerOf(user, s.info.site) || (allowAdmin && isAdmin(user))))
    throw new AirlockError('not_found', 'session.not_live', `session ${id} is not live`);
  return s;
}

export function terminalFileRoutes(): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();
  const cache = { 'cache-control': 'public, max-age=3600' };
  const js = { 'content-type': 'text/javascript; charset=utf-8', ...cache };
  const css = { 'content-type': 'text/css; charset=utf-8', ...cache };
  app.get('/static/xterm.js', (c) => c.body(terminalAssets().xtermJs, 200, js));
  app.get('/static/addon-fit.js', (c) => c.body(terminalAssets().fitJs, 200, js));
  app.get('/static/xterm.css', (c) => c.body(terminalAssets().xtermCss, 200, css));
  app.get('/static/terminal.js', (c) => c.body(TERMINAL_JS, 200, js));
  app.get('/static/terminal.css', (c) => c.body(TERMINAL_CSS, 200, css));
  return app;
}

export function terminalRoutes(
  s: AccessHttpServices,
  sessions: OperatorSessions,
): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();
  const tz = (site: string): string => s.access.directory.timezoneOf(site);

  app.get('/terminal/:site/:asset', (c) => {
    const v = viewer(c, s);
    const site = nameParam(c.req.param('site'), 'site');
    const asset = nameParam(c.req.param('asset'), 'asset');
    return page(
      c,
      v,
      `Terminal: ${site}/${asset}`,
      <TerminalPage site={site} asset={asset} csrf={v.csrf} />,
    );
  });

  app.get('/sites/:site/sessions', (c) => {
    const v = viewer(c, s);
    const site = nameParam(c.req.param('site'), 'site');
    if (!isOtOwnerOf(v.user, site) && !isAdmin(v.user))
      throw new AirlockError(
        'access_denied',
        'session.not_owner',
        `only an OT owner of ${site} sees its live sessions`,
      );
    const f = parseListQuery(sessionListQuery, c.req.query());
    const list = filterSessions(sessions.list({ site }), f);
    return page(
      c,
      v,
      `Live sessions at ${site}`,
      <>
        <ListFilterForm
          action={`/sites/${site}/sessions`}
          q={f.q}
          shown={list.length}
          selects={[
            {
              name: 'protocol',
              label: 'Protocol',
              options: ['ssh', 'modbus', 'opcua'],
              value: f.protocol,
            },
          ]}
        />
        <LiveSessionsTable
          sessions={list}
          tz={tz(site)}
          csrf={v.csrf}
          canWatch={isOtOwnerOf(v.user, site)}
        />
      </>,
    );
  });

  app.get('/sessions/:id/watch', (c) => {
    const v = viewer(c, s);
    const live = ownedSession(sessions, v.user, c.req.param('id'), false);
    return page(
      c,
      v,
      `Watching ${live.info.userName} on ${live.info.asset}`,
      <WatchPage session={live} csrf={v.csrf} tz={tz(live.info.site)} />,
    );
  });

  app.post('/sessions/:id/end', async (c) => {
    const v = viewer(c, s);
    const live = ownedSession(sessions, v.user, c.req.param('id'), true);
    const form = await parseFormBody(c, endForm);
    await sessions.terminate(live.id, v.user.name, form.reason);
    return c.redirect(`/sites/${live.info.site}/sessions?notice=session-ended`, 303);
  });

  return app;
}

export function recordingRoutes(
  s: AccessHttpServices,
  library: RecordingLibrary,
): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();
  const tz = (site: string): string => s.access.directory.timezoneOf(site);

  app.get('/sites/:site/recordings', (c) => {
    const v = viewer(c, s);
    const site = nameParam(c.req.param('site'), 'site');
    const filter = parseQuery(recordingFilterSchema, c.req.query());
    return page(
      c,
      v,
      `Recordings at ${site}`,
      <>
        <RecordingsFilterForm site={site} filter={filter} />
        <RecordingsTable
          recordings={library.list(v.user, site, filter)}
          tz={tz(site)}
          filtered={(filter.q ?? '') !== '' || (filter.status ?? '') !== ''}
        />
      </>,
    );
  });

  app.get('/recordings/:id', (c) => {
    const v = viewer(c, s);
    const r = library.get(v.user, c.req.param('id'));
    const caption = `${r.userName} on ${r.site}/${r.asset}, ${siteTime(r.startedAt, tz(r.site))}; SHA-256 ${r.sha256 ?? 'not known yet'} (${r.status}).`;
    // Four-eyes playback: without an approval the page offers to ask for one (the cast URL refuses too).
    const gate = library.gate(v.user, r);
    if (!gate.allowed)
      return page(
        c,
        v,
        `Recording ${r.sessionId}`,
        <FourEyesPage sessionId={r.sessionId} gate={gate} caption={caption} csrf={v.csrf} />,
      );
    return page(
      c,
      v,
      `Recording ${r.sessionId}`,
      <ReplayPage src={`/recordings/${r.sessionId}/cast`} caption={caption} />,
    );
  });

  app.get('/recordings/:id/cast', (c) => {
    const v = viewer(c, s);
    const r = library.get(v.user, c.req.param('id'));
    const bytes = library.play(v.user, r.sessionId);
    return c.body(new Uint8Array(bytes), 200, {
      'content-type': 'application/x-asciicast; charset=utf-8',
      'content-disposition': `attachment; filename="${r.sessionId}.cast"`,
    });
  });

  return app;
}
