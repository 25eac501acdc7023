/**
 * SCIM 2.0 provisioning (RFC 7643/7644) for the SSO providers that have a `scimTokenFile`: their
 * joiners, movers and leavers reach Airlock the moment the identity provider sends them.
 * `/scim/v2/Users` and `/scim/v2/Groups` (create, get, list with `eq` filters, replace, patch,
 * delete) and the discovery documents (ServiceProviderConfig, ResourceTypes, Schemas).
 *
 * Guarantees: every request needs a provider's bearer token (compared in constant time, never
 * logged); a wrong or missing one is refused (401) and audited as `scim.refuse`; each provider
 * sees and changes only its own users and groups; accounts are bound to the provider by its
 * issuer and the SCIM externalId (the OIDC subject), never by name or e-mail; roles come from
 * group memberships through the provider's SSO role mapping, each move audited; `active: false`
 * or DELETE disables the account through UserAdmin, which ends its live sessions on both
 * gateways, revokes its grants, cancels its pending requests, removes its SSH keys and fresh-key
 * marks and ends its portal sessions, all audited. Bad input is refused with a SCIM `scimType`
 * and changes nothing. No hono here: http/scim-routes.ts maps requests and errors once.
 */
import type { Clock } from '../../../shared/src/clock.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type { Auth } from '../auth/auth.js';
import type { ItConfig } from '../config/config.js';
import type { ItStore } from '../store/store.js';
import { scimError } from './scim-errors.js';
import type { ScimCall, ScimDeps } from './scim-context.js';
import {
  resourceType,
  resourceTypeIds,
  schema,
  schemaIds,
  serviceProviderConfig,
} from './scim-discovery.js';
import { ScimGroups } from './scim-groups.js';
import { listResponse } from './scim-resources.js';
import { loadScimTokens } from './scim-tokens.js';
import { ScimUsers } from './scim-users.js';

export { ERROR_SCHEMA } from './scim-resources.js';

const REFUSAL_AUDIT_WINDOW_MS = 10 * 60_000;

/** Where SCIM is mounted (the base URL an identity provider is given). */
export const SCIM_PREFIX = '/scim/v2';

export interface ScimRequest {
  readonly method: string;
  /** The path below SCIM_PREFIX: `/Users`, `/Groups/<id>`... */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly authorization: string | undefined;
  /** The parsed JSON body; called only for POST, PUT and PATCH (throws invalidSyntax). */
  readonly body: () => Promise<unknown>;
  /** `https://host:port` the request was addressed to (locations in answers use it). */
  readonly origin: string;
  /** The client's address, for the audit of a refusal. */
  readonly source: string;
}

export interface ScimReply {
  readonly status: 200 | 201 | 204;
  readonly body?: Record<string, unknown>;
  /** The created resource's URL (201). */
  readonly location?: string;
}

export interface Scim {
  /** Providers that provision through SCIM (none: every request is refused 401). */
  readonly providers: readonly string[];
  handle(req: ScimRequest): Promise<ScimReply>;
}

export interface ScimFactoryDeps {
  readonly config: Pick<ItConfig, 'sso'>;
  readonly store: Pick<ItStore, 'db' | 'audit' | 'users' | 'sites' | 'sso' | 'scim'>;
  readonly auth: Pick<Auth, 'userAdmin'>;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

/** Reads each provider's SCIM token file now (a missing, open or short file stops the start). */
export function createScim(factory: ScimFactoryDeps): Scim {
  const { store, config } = factory;
  const tokens = loadScimTokens(config.sso);
  const deps: ScimDeps = {
    db: store.db,
    audit: store.audit,
    users: store.users,
    sites: store.sites,
    sso: store.sso,
    scim: store.scim,
    userAdmin: factory.auth.userAdmin,
    clock: factory.clock,
    ids: factory.ids,
  };
  const users = new ScimUsers(deps);
  const groups = new ScimGroups(deps);

  // Refusals are audited once per address per window, so a flood of probes cannot flood the chain.
  const lastRefusalAudit = new Map<string, number>();
  const shouldAuditRefusal = (source: string): boolean => {
    const now = factory.clock.now();
    const last = lastRefusalAudit.get(source);
    if (last !== undefined && now - last < REFUSAL_AUDIT_WINDOW_MS) return false;
    if (lastRefusalAudit.size >= 10_000) lastRefusalAudit.clear();
    lastRefusalAudit.set(source, now);
    return true;
  };

  const callOf = (req: ScimRequest): ScimCall => {
    const id = tokens.providerOf(req.authorization);
    const providerConfig = id === undefined ? undefined : config.sso.providers[id];
    if (id === undefined || providerConfig === undefined) {
      if (shouldAuditRefusal(req.source))
        store.audit.append({
          action: 'scim.refuse',
          actor: 'anonymous',
          outcome: 'denied',
          details: {
            source: req.source,
            method: req.method,
            path: req.path.slice(0, 200),
            reason: req.authorization === undefined ? 'no-token' : 'wrong-token',
            auditedOncePerMinutes: REFUSAL_AUDIT_WINDOW_MS / 60_000,
          },
        });
      throw scimError(
        'unauthenticated',
        'scim.unauthenticated',
        'a valid SCIM bearer token is required',
      );
    }
    return { provider: { id, config: providerConfig }, base: `${req.origin}${SCIM_PREFIX}` };
  };

  return {
    providers: tokens.providers,
    async handle(req) {
      const call = callOf(req);
      const [, kind, id, extra] = req.path.split('/');
      const m = req.method;
      if (extra !== undefined || kind === undefined) throw noRoute(req);
      const ok = (body: Record<string, unknown>): ScimReply => ({ status: 200, body });
      const created = (body: Record<string, unknown>): ScimReply => ({
        status: 201,
        body,
        location: String((body.meta as { location: string }).location),
      });
      if (kind === 'Users' || kind === 'Groups') {
        const svc = kind === 'Users' ? users : groups;
        if (id === undefined || id === '') {
          if (m === 'GET') return ok(svc.list(call, req.query));
          if (m === 'POST') return created(svc.create(call, await req.body()));
          throw noRoute(req);
        }
        if (m === 'GET') return ok(svc.get(call, id));
        if (m === 'PUT') return ok(svc.replace(call, id, await req.body()));
        if (m === 'PATCH') return ok(svc.patch(call, id, await req.body()));
        if (m === 'DELETE') {
          svc.delete(call, id);
          return { status: 204 };
        }
        throw noRoute(req);
      }
      if (m !== 'GET') throw noRoute(req);
      if (kind === 'ServiceProviderConfig' && id === undefined)
        return ok(serviceProviderConfig(call.base));
      if (kind === 'ResourceTypes' || kind === 'Schemas') {
        const one = kind === 'ResourceTypes' ? resourceType : schema;
        const ids = kind === 'ResourceTypes' ? resourceTypeIds : schemaIds;
        if (id === undefined || id === '') {
          const all = ids.map((x) => one(call.base, x));
          return ok(listResponse(all, all.length, 1));
        }
        const doc = one(call.base, decodeURIComponent(id));
        if (doc === undefined) throw scimError('not_found', 'scim.not_found', `no ${kind} ${id}`);
        return ok(doc);
      }
      throw noRoute(req);
    },
  };
}

function noRoute(req: ScimRequest) {
  return scimError('not_found', 'scim.no_route', `no SCIM endpoint ${req.method} ${req.path}`);
}
