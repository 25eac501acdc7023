/**
 * Portal routes of the OPC UA points page (`/assets/<site>/<asset>/opcua`): GET lists what the
 * grant's profile shows; POST `/write` (CSRF-checked by the middleware) writes one Value, parsed
 * by data type here (400 naming the field, nothing sent), and shows the broker's answer by status
 * code name. Each request is one operator session (OpcuaPoints), so the access check (grant,
 * window, lockdown, site online) runs every time and a refusal is a 403 page.
 */
import { Hono } from 'hono';
import { type OpcuaPoints, type PointRequest, parsePointWrite } from '../../opcua/opcua.js';
import { badRequest } from '../error-response.js';
import type { AccessHttpServices } from '../http-services.js';
import type { HttpVariables } from '../principal.js';
import { sourceAddress } from '../request-source.js';
import { OpcuaPointsPage, writeMessage } from './opcua-pages.js';
import { page, viewer, type PortalContext } from './portal-context.js';
import { nameParam } from './terminal-routes.js';

export function opcuaRoutes(
  s: AccessHttpServices,
  points: OpcuaPoints,
): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();
  const target = (c: PortalContext): PointRequest => {
    const v = viewer(c, s);
    return {
      user: v.user.id,
      userName: v.user.name,
      site: nameParam(c.req.param('site') ?? '', 'site'),
      asset: nameParam(c.req.param('asset') ?? '', 'asset'),
      source: sourceAddress(c),
    };
  };

  app.get('/assets/:site/:asset/opcua', async (c) => {
    const v = viewer(c, s);
    const req = target(c);
    const list = await points.browse(req);
    return page(
      c,
      v,
      `OPC UA: ${req.site}/${req.asset}`,
      <OpcuaPointsPage site={req.site} asset={req.asset} points={list} csrf={v.csrf} />,
    );
  });

  app.post('/assets/:site/:asset/opcua/write', async (c) => {
    const v = viewer(c, s);
    const req = target(c);
    const form = await c.req.parseBody({ all: true });
    const fields = Object.fromEntries(
      Object.entries(form).filter(([k]) => k !== '_csrf' && k !== '_pre'),
    );
    const parsed = parsePointWrite(fields);
    if (!parsed.ok) throw badRequest(parsed.error);
    const w = parsed.value;
    const { outcome, points: list } = await points.write(req, w);
    const shown =
      list.find((p) => p.namespaceUri === w.namespaceUri && p.identifier === w.identifier)?.path ??
      w.identifier;
    const message = writeMessage({ path: shown, attempted: String(w.value), outcome });
    const good = outcome.status === 'Good';
    const status = good
      ? 200
      : outcome.status === 'BadUserAccessDenied' || outcome.status === 'BadNotWritable'
        ? 403
        : 409;
    const body = (
      <>
        <p class={good ? 'notice' : 'notice error'} data-write-status={outcome.status}>
          {message}
        </p>
        <OpcuaPointsPage site={req.site} asset={req.asset} points={list} csrf={v.csrf} />
      </>
    );
    return page(c, v, `OPC UA: ${req.site}/${req.asset}`, body, { status });
  });

  return app;
}
