/**
 * The real Authenticator: a portal session cookie or an API bearer token, resolved through the
 * SessionService (idle and absolute timeouts enforced there). The account is loaded afresh on
 * every request, so a role change, a disable or a contract end takes effect at once; a disabled
 * or expired account's session is ended when next presented. Bad or unknown credentials simply
 * yield no principal (the guards answer 401); nothing here throws for them.
 */
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Clock } from '../../../shared/src/clock.js';
import { accountRefusal, type SessionService } from '../auth/auth.js';
import type { User } from '../store/store.js';
import { SESSION_COOKIE } from './cookies.js';
import type { Authenticator, Principal } from './principal.js';

export interface SessionAuthenticatorDeps {
  readonly sessions: SessionService;
  readonly users: { getById(id: string): User | undefined };
  readonly clock: Clock;
}

const BEARER = /^Bearer ([A-Za-z0-9_-]{16,128})$/;

export function createSessionAuthenticator(deps: SessionAuthenticatorDeps): Authenticator {
  return (c: Context): Principal | undefined => {
    const header = c.req.header('authorization');
    let found: { secret: string; via: Principal['via'] } | undefined;
    if (header !== undefined) {
      const m = BEARER.exec(header);
      if (m?.[1] === undefined) return undefined;
      found = { secret: m[1], via: 'token' };
    } else {
      const cookie = getCookie(c, SESSION_COOKIE);
      if (cookie !== undefined) found = { secret: cookie, via: 'session' };
    }
    if (found === undefined) return undefined;
    return resolveCredential(deps, found.secret, found.via);
  };
}

/**
 * The principal for a portal session secret or API token, or undefined; also for callers outside
 * hono (the web terminal's WebSocket upgrade reads the session cookie itself).
 */
export function resolveCredential(
  deps: SessionAuthenticatorDeps,
  secret: string,
  via: Principal['via'],
): Principal | undefined {
  const session = deps.sessions.resolve(secret, [via === 'token' ? 'api' : 'web']);
  if (session === undefined) return undefined;
  const user = deps.users.getById(session.userId);
  if (user === undefined || accountRefusal(user, deps.clock.now()) !== undefined) {
    deps.sessions.end(
      session.id,
      user === undefined
        ? 'account removed'
        : `account ${accountRefusal(user, deps.clock.now()) ?? ''}`,
    );
    return undefined;
  }
  return {
    userId: user.id,
    name: user.name,
    roles: user.roles,
    via,
    user,
    sessionId: session.id,
    csrfToken: session.csrfToken,
  };
}
