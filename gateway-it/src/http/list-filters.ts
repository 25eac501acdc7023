/**
 * Search and filters for the lists people scan (requests, grants, live sessions, accounts), the
 * same for the portal and the API: query parameters parsed with zod at the boundary (an unknown
 * parameter or value is a 400 naming it, and changes nothing), then applied on the server to what
 * the services already let the caller see. `q` is a case-insensitive search over the row's words
 * (ids, people, site, assets, profiles, reason, ticket). Filters only narrow; they never widen
 * what a principal may see (that is access/, decided before).
 */
import { z } from 'zod';
import type { GrantView, RequestView } from '../access/access.js';
import type { LiveSessionInfo } from '../sessions/sessions.js';
import type { RequestStatus, Role, User } from '../store/store.js';
import { parseQuery } from './api/audit-api.js';

const REQUEST_STATUSES = [
  'pending',
  'approved',
  'denied',
  'cancelled',
  'expired',
] as const satisfies readonly RequestStatus[];
/** The roles, in the order the filter offers them. */
export const USER_ROLES = [
  'admin',
  'engineer',
  'ot-owner',
  'vendor',
  'auditor',
] as const satisfies readonly Role[];

const search = z.string().trim().max(100).optional();
const site = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a site id')
  .optional();
/** The portal's fixed post-redirect notice rides along on list pages. */
const notice = z.string().max(40).optional();

export const requestListQuery = z.strictObject({
  q: search,
  status: z.enum(REQUEST_STATUSES).optional(),
  site,
  notice,
});
export const grantListQuery = z.strictObject({
  q: search,
  state: z.enum(['scheduled', 'active', 'revoked', 'expired']).optional(),
  site,
  breakGlass: z.enum(['true', 'false']).optional(),
  notice,
});
export const userListQuery = z.strictObject({
  q: search,
  role: z.enum(USER_ROLES).optional(),
  state: z.enum(['active', 'disabled']).optional(),
  notice,
});
export const sessionListQuery = z.strictObject({
  q: search,
  protocol: z.enum(['ssh', 'modbus', 'opcua']).optional(),
  notice,
});

/** The API's forms: the same filters without the portal's notice. */
export const requestListApiQuery = requestListQuery.omit({ notice: true });
export const grantListApiQuery = grantListQuery.omit({ notice: true });
export const userListApiQuery = userListQuery.omit({ notice: true });
export const sessionListApiQuery = sessionListQuery.omit({ notice: true });

export type RequestListQuery = z.output<typeof requestListQuery>;
export type GrantListQuery = z.output<typeof grantListQuery>;
export type UserListQuery = z.output<typeof userListQuery>;
export type SessionListQuery = z.output<typeof sessionListQuery>;

/** Parses a list's query parameters, or a 400 naming the parameter. */
export function parseListQuery<S extends z.ZodType>(
  schema: S,
  query: Readonly<Record<string, string>>,
): z.output<S> {
  return parseQuery(schema, query);
}

function matches(q: string | undefined, words: readonly (string | null)[]): boolean {
  if (q === undefined || q === '') return true;
  const needle = q.toLowerCase();
  return words.some((w) => w !== null && w.toLowerCase().includes(needle));
}

export function filterRequests(list: readonly RequestView[], f: RequestListQuery): RequestView[] {
  return list.filter(
    (r) =>
      (f.status === undefined || r.status === f.status) &&
      (f.site === undefined || r.site === f.site) &&
      matches(f.q, [
        r.id,
        r.requester.name,
        r.site,
        r.reason,
        r.ticketRef,
        ...r.assets.flatMap((a) => [a.asset, a.profile]),
        ...r.decisions.map((d) => d.approver),
      ]),
  );
}

export function filterGrants(list: readonly GrantView[], f: GrantListQuery): GrantView[] {
  return list.filter(
    (g) =>
      (f.state === undefined || g.state === f.state) &&
      (f.site === undefined || g.site === f.site) &&
      (f.breakGlass === undefined || g.breakGlass === (f.breakGlass === 'true')) &&
      matches(f.q, [
        g.id,
        g.requestId,
        g.user.name,
        g.site,
        g.reason,
        g.ticketRef,
        ...g.assets.flatMap((a) => [a.asset, a.profile]),
        ...g.approvers,
      ]),
  );
}

export function filterUsers<T extends { readonly user: User }>(
  list: readonly T[],
  f: UserListQuery,
): T[] {
  return list.filter(
    ({ user: u }) =>
      (f.role === undefined || u.roles.some((r) => r.role === f.role)) &&
      (f.state === undefined || u.state === f.state) &&
      matches(f.q, [u.name, u.displayName, u.company, ...u.roles.map((r) => r.site ?? null)]),
  );
}

export function filterSessions<T extends { readonly info: LiveSessionInfo }>(
  list: readonly T[],
  f: SessionListQuery,
): T[] {
  return list.filter(
    ({ info: s }) =>
      (f.protocol === undefined || s.protocol === f.protocol) &&
      matches(f.q, [s.id, s.userName, s.asset, s.profile, s.grantId, s.source]),
  );
}
