/**
 * The request and grant lists with search and filters: everything the viewer may see (their own,
 * and the sites they own or audit; every site for an admin, decided in access/), narrowed by the
 * query (http/list-filters.ts).
 */
import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
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
import { ListFilterForm, type FilterSelect } from './list-filter-form.js';
import { page, viewer, type Viewer } from './portal-context.js';

/** One filtered list: what the viewer sees of it, narrowed by its query, under its filter columns. */
interface FilteredList<F extends { readonly q?: string | undefined }, Row> {
  readonly path: string;
  readonly title: string;
  readonly parse: (query: Record<string, string>) => F;
  readonly rows: (v: Viewer, f: F) => readonly Row[];
  /** The filter columns (selects) beside the text search. */
  readonly selects: (v: Viewer, f: F) => readonly FilterSelect[];
  readonly table: (rows: readonly Row[]) => Child;
}

export function listRoutes(s: AccessHttpServices): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();
  const { requests, grants, directory } = s.access;
  const tz = (site: string): string => directory.timezoneOf(site);
  const siteIds = (v: Viewer): string[] => directory.visible(v.user).map((x) => x.site.id);

  /** The page of a filtered list: the filter bar (a GET form on the list's own path) over its table. */
  const listPage = <F extends { readonly q?: string | undefined }, Row>(
    list: FilteredList<F, Row>,
  ): void => {
    app.get(list.path, (c) => {
      const v = viewer(c, s);
      const f = list.parse(c.req.query());
      const rows = list.rows(v, f);
      return page(
        c,
        v,
        list.title,
        <>
          <ListFilterForm
            action={list.path}
            q={f.q}
            shown={rows.length}
            selects={list.selects(v, f)}
          />
          {list.table(rows)}
        </>,
      );
    });
  };

  listPage({
    path: '/requests',
    title: 'Requests',
    parse: (query) => parseListQuery(requestListQuery, query),
    rows: (v, f) => filterRequests(requests.seen(v.user), f),
    selects: (v, f) => [
      {
        name: 'status',
        label: 'State',
        options: ['pending', 'approved', 'denied', 'cancelled', 'expired'],
        value: f.status,
      },
      { name: 'site', label: 'Site', options: siteIds(v), value: f.site },
    ],
    table: (list) => <RequestTable requests={list} tz={tz} showRequester={true} />,
  });

  listPage({
    path: '/grants',
    title: 'Grants',
    parse: (query) => parseListQuery(grantListQuery, query),
    rows: (v, f) => filterGrants(grants.seen(v.user), f),
    selects: (v, f) => [
      {
        name: 'state',
        label: 'State',
        options: ['scheduled', 'active', 'revoked', 'expired'],
        value: f.state,
      },
      { name: 'site', label: 'Site', options: siteIds(v), value: f.site },
      { name: 'breakGlass', label: 'Break-glass', options: ['true', 'false'], value: f.breakGlass },
    ],
    table: (list) => <GrantTable grants={list} tz={tz} showUser={true} />,
  });

  return app;
}
