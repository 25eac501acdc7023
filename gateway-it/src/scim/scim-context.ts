/**
 * What every SCIM operation works with: the stores, the account administration it reuses (a
 * leaver is disabled through UserAdmin, so the whole exit runs: auth/user-admin.ts), and the
 * provider the request's token belongs to. Also the body, list and patch helpers the operations
 * share, and the resource table: the get/list/replace/patch skeleton Users and Groups have in
 * common (what they write stays theirs).
 */
import type { z } from 'zod';
import type { AirlockError } from '../../../shared/src/errors.js';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import type { UserAdmin } from '../auth/auth.js';
import type { SsoProviderConfig } from '../config/config.js';
import type { ScimStore, SiteStore, SsoStore, UserStore } from '../store/store.js';
import { scimError } from './scim-errors.js';
import { parseEqFilter, type EqFilter } from './scim-filter.js';
import { applyPatch, type PatchOperation, type PatchShape } from './scim-patch.js';
import { listResponse, patchInput } from './scim-resources.js';

export interface ScimDeps {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly users: UserStore;
  readonly sites: SiteStore;
  readonly sso: SsoStore;
  readonly scim: ScimStore;
  /** Disables leavers; told of each account or group change (auth/: the quorum flags listen). */
  readonly userAdmin: Pick<UserAdmin, 'updateUser' | 'accountChanges'>;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

/** One request's provider (from its token) and the base of the locations it is answered with. */
export interface ScimCall {
  readonly provider: { readonly id: string; readonly config: SsoProviderConfig };
  /** `https://host:port/scim/v2` */
  readonly base: string;
}

export const actorOf = (call: ScimCall): string => `scim:${call.provider.id}`;

/** Parses a body with `schema`; a failure is a 400 naming the first problem (`invalidValue`). */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const first = r.error.issues[0];
  const where = first === undefined || first.path.length === 0 ? '' : `${first.path.join('.')}: `;
  const isSchemas = first?.path[0] === 'schemas';
  throw scimError(
    'bad_request',
    isSchemas ? 'scim.invalid_syntax' : 'scim.invalid_value',
    `${where}${first?.message ?? 'invalid body'}`,
    isSchemas ? 'invalidSyntax' : 'invalidValue',
  );
}

export const MAX_PAGE = 200;

/** RFC 7644 3.4.2.4: 1-based startIndex (below 1 is 1), count (negative is 0, capped). */
export function page<T>(
  items: readonly T[],
  query: URLSearchParams,
): { items: T[]; startIndex: number } {
  const start = Math.max(1, Number.parseInt(query.get('startIndex') ?? '1', 10) || 1);
  const rawCount = Number.parseInt(query.get('count') ?? `${MAX_PAGE}`, 10);
  const count = Math.min(MAX_PAGE, Math.max(0, Number.isNaN(rawCount) ? MAX_PAGE : rawCount));
  return { items: items.slice(start - 1, start - 1 + count), startIndex: start };
}

/**
 * A list answer (RFC 7644 3.4.2): the optional `filter` (one `eq` on `keys`, else 400
 * `invalidFilter`), `find` for the matches, then one page of them rendered.
 */
export function listPage<K extends string, T>(
  query: URLSearchParams,
  keys: readonly K[],
  find: (by: EqFilter<K> | undefined) => readonly T[],
  render: (row: T) => Record<string, unknown>,
): Record<string, unknown> {
  const filter = query.get('filter');
  let by: EqFilter<K> | undefined;
  if (filter !== null) {
    const f = parseEqFilter(filter, keys);
    if (!f.ok) throw scimError('bad_request', 'scim.invalid_filter', f.error, 'invalidFilter');
    by = f.value;
  }
  const all = find(by);
  const p = page(all, query);
  return listResponse(p.items.map(render), all.length, p.startIndex);
}

/** `ops` applied to `current`; a patch that does not apply is a 400 with its SCIM type. */
export function patchOrThrow(
  current: Record<string, unknown>,
  ops: readonly PatchOperation[],
  shape: PatchShape,
): Record<string, unknown> {
  const patched = applyPatch(current, ops, shape);
  if (!patched.ok)
    throw scimError('bad_request', 'scim.bad_patch', patched.error.message, patched.error.scimType);
  return patched.value;
}

/** One SCIM resource type as its table sees it: where its rows are and how one is shown. */
export interface ResourceTableSpec<K extends string, Row, S extends z.ZodType> {
  /** The 404 for an id this provider has no resource under. */
  readonly notFound: (id: string) => AirlockError;
  /** This provider's resource `id`. */
  readonly one: (provider: string, id: string) => Row | undefined;
  /** The attributes a list may filter on (`eq` only), and the rows that match. */
  readonly keys: readonly K[];
  readonly find: (provider: string, by: EqFilter<K> | undefined) => readonly Row[];
  readonly render: (call: ScimCall, row: Row) => Record<string, unknown>;
  /** A whole resource as a PUT body carries it, its schema URI, and what PATCH may change. */
  readonly input: S;
  readonly schema: string;
  readonly shape: PatchShape;
  /** The attributes of `row` a PATCH starts from. */
  readonly editable: (call: ScimCall, row: Row) => Record<string, unknown>;
}

/**
 * The read and parse side of a resource type: each operation finds the row first (404 before the
 * body is looked at), then parses the body (400), so a write only ever sees an existing row and a
 * whole, valid resource.
 */
export interface ResourceTable<Row, Input> {
  existing(call: ScimCall, id: string): Row;
  get(call: ScimCall, id: string): Record<string, unknown>;
  list(call: ScimCall, query: URLSearchParams): Record<string, unknown>;
  /** PUT: the row and the body as a whole resource. */
  replacement(call: ScimCall, id: string, body: unknown): { row: Row; input: Input };
  /** PATCH: the row, and its editable attributes patched by the operations as a whole resource. */
  patched(call: ScimCall, id: string, body: unknown): { row: Row; input: Input };
}

export function resourceTable<K extends string, Row, S extends z.ZodType>(
  spec: ResourceTableSpec<K, Row, S>,
): ResourceTable<Row, z.output<S>> {
  const existing = (call: ScimCall, id: string): Row => {
    const row = spec.one(call.provider.id, id);
    if (row === undefined) throw spec.notFound(id);
    return row;
  };
  return {
    existing,
    get: (call, id) => spec.render(call, existing(call, id)),
    list: (call, query) =>
      listPage(
        query,
        spec.keys,
        (by) => spec.find(call.provider.id, by),
        (row) => spec.render(call, row),
      ),
    replacement(call, id, body) {
      const row = existing(call, id);
      return { row, input: parseBody(spec.input, body) };
    },
    patched(call, id, body) {
      const row = existing(call, id);
      const ops = parseBody(patchInput, body).Operations;
      const patched = patchOrThrow(spec.editable(call, row), ops, spec.shape);
      return { row, input: parseBody(spec.input, { ...patched, schemas: [spec.schema] }) };
    },
  };
}
