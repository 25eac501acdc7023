/**
 * Who is making an HTTP request, and the guards routes use. Authentication (sessions, bearer tokens)
 * is a pluggable `Authenticator` (session-authenticator.ts); when it recognises nobody, every
 * guarded route answers 401: deny is the default.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { AirlockError } from '../../../shared/src/errors.js';
import type { UserId } from '../../../shared/src/ids.js';
import type { RoleAssignment, User } from '../store/store.js';

export interface Principal {
  readonly userId: UserId;
  readonly name: string;
  readonly roles: readonly RoleAssignment[];
  /** How this request authenticated: a portal session cookie or an API bearer token. */
  readonly via: 'session' | 'token';
  /** The account as loaded for this request (roles, state and contract are current). */
  readonly user?: User;
  /** The portal session or API token id (not its secret). */
  readonly sessionId?: string;
  /** The session's CSRF token (portal sessions only). */
  readonly csrfToken?: string | null;
}

/** Finds the principal for a request, or undefined. Must not throw for bad credentials. */
export type Authenticator = (c: Context) => Principal | undefined | Promise<Principal | undefined>;

export type HttpVariables = { principal: Principal | undefined };

export function hasRole(p: Principal, role: RoleAssignment['role'], site?: string): boolean {
  return p.roles.some((r) => r.role === role && (site === undefined || r.site === site));
}

/** Resolves the principal once per request and stores it for the guards. */
export function authenticate(
  authenticator: Authenticator,
): MiddlewareHandler<{ Variables: HttpVariables }> {
  return async (c, next) => {
    c.set('principal', await authenticator(c));
    await next();
  };
}

export function currentPrincipal(c: Context<{ Variables: HttpVariables }>): Principal {
  const p = c.get('principal');
  if (p === undefined)
    throw new AirlockError('unauthenticated', 'auth.required', 'authentication required');
  return p;
}

/** 401 without a principal; 403 unless the principal holds one of the roles (any site). */
export function requireRole(
  ...roles: readonly RoleAssignment['role'][]
): MiddlewareHandler<{ Variables: HttpVariables }> {
  return async (c, next) => {
    const p = currentPrincipal(c);
    if (!roles.some((r) => hasRole(p, r)))
      throw new AirlockError(
        'access_denied',
        'auth.role_required',
        `requires role ${roles.join(' or ')}`,
      );
    await next();
  };
}
