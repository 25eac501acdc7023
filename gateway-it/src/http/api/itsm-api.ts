/** A site's ITSM check: the admin sets, reads and removes it (itsm/ validates and audits). */
import type { AccessHttpServices } from '../http-services.js';
import { siteItsmBody } from './api-schemas.js';
import { op, type ApiOperation } from './api-registry.js';

export function itsmOperations(s: AccessHttpServices): ApiOperation[] {
  const { settings } = s.itsm;
  const admin = ['admin'] as const;
  return [
    op({
      method: 'get',
      path: '/admin/sites/:site/itsm',
      tag: 'admin',
      roles: admin,
      summary:
        "A site's ITSM check (null when tickets are not checked) and the configured connectors",
      handler: ({ params }) => ({
        json: { settings: settings.get(params.site ?? ''), connectors: s.itsm.connectorNames() },
      }),
    }),
    op({
      method: 'put',
      path: '/admin/sites/:site/itsm',
      tag: 'admin',
      roles: admin,
      summary:
        "Check a site's tickets against an ITSM connector: allowed states, asset-to-CI names, deny or allow-and-flag when it is down, work notes",
      body: siteItsmBody,
      responses: { 200: 'set', 400: 'the field named is wrong', 404: 'unknown site' },
      handler: ({ user, params, body }) => ({ json: settings.set(user, params.site ?? '', body) }),
    }),
    op({
      method: 'delete',
      path: '/admin/sites/:site/itsm',
      tag: 'admin',
      roles: admin,
      summary: "Stop checking a site's tickets against an ITSM (the ticket pattern still applies)",
      handler: ({ user, params }) => {
        settings.clear(user, params.site ?? '');
        return { json: { settings: null } };
      },
    }),
  ];
}
