/**
 * The request and grant lists with search and filters: everything the viewer may see (their own,
 * and the sites they own or audit; every site for an admin, decided in access/), narrowed by the
 * query (http/list-filters.ts).
 */
import { Hono } from 'hono';
import type { AccessHttpServices } from '../http-services.js';
import {
  filterGrants,
  filterRequests,
  grantListQuery,
  parseListQuery,
  requestListQuery,
} from '../list-filters.js';
import type { HttpVariables } from '../principal.js';
import { GrantTable, RequestTable } from './access-pages.js';
import { ListFilterForm } from './list-filter-form.js';
import { page, viewer } from './portal-context.js';

export function listRoutes(s: AccessHttpServices): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();
  const { requests, grants, directory } = s.access;
  const tz = (site: string): string => directory.timezoneOf(site);
  const siteIds = (v: ReturnType<typeof viewer>): string[] =>
    directory.visible(v.user).map((x) => x.site.id);

  app.get('/requests', (c) => {
    const v = viewer(c, s);
    const f = parseListQuery(requestListQuery, c.req.query());
    const list = filterRequests(requests.seen(v.user), f);
    return page(
      c,
      v,
      'Requests',
      <>
        <ListFilterForm
          action="/requests"
          q={f.q}
          shown={list.length}
          selects={[
            {
              name: 'status',
              label: 'State',
              options: ['pending', 'approved', 'denied', 'cancelled', 'expired'],
              value: f.status,
            },
            { name: 'site', label: 'Site', options: siteIds(v), value: f.site },
          ]}
        />
        <RequestTable requests={list} tz={tz} showRequester={true} />
      </>,
    );
  });

  app.get('/grants', (c) => {
    const v = viewer(c, s);
    const f = parseListQuery(grantListQuery, c.req.query());
    const list = filterGrants(grants.seen(v.user), f);
    return page(
      c,
      v,
      'Grants',
      <>
        <ListFilterForm
          action="/grants"
          q={f.q}
          shown={list.length}
          selects={[
            {
              name: 'state',
              label: 'State',
              options: ['scheduled', 'active', 'revoked', 'expired'],
              value: f.state,
            },
            { name: 'site', label: 'Site', options: siteIds(v), value: f.site },
            {
              name: 'breakGlass',
              label: 'Break-glass',
              options: ['true', 'false'],
              value: f.breakGlass,
            },
          ]}
        />
        <GrantTable grants={list} tz={tz} showUser={true} />
      </>,
    );
  });

  return app;
}
