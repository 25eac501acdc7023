/**
 * The portal's cookies. `__Host-` names make the browser insist on Secure, Path=/ and no Domain;
 * every cookie is HttpOnly and SameSite=Strict and has no Max-Age (it dies with the browser; the
 * server enforces the real timeouts).
 *  - session: the web session secret;
 *  - login: the five-minute login step (password done, second factor or enrollment pending);
 *  - pre: a random value the login forms echo back (double-submit CSRF before there is a session);
 *  - sso: binds a single sign-on login to the browser that started it. SameSite=Lax, the one
 *    exception: it must come back on the provider's top-level redirect to the callback (a Strict
 *    cookie is not sent on a navigation another site started). It holds no session.
 */
import type { Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';

export const SESSION_COOKIE = '__Host-airlock-session';
export const LOGIN_STEP_COOKIE = '__Host-airlock-login';
export const PRE_LOGIN_COOKIE = '__Host-airlock-pre';
export const SSO_COOKIE = '__Host-airlock-sso';

const OPTIONS = { path: '/', secure: true, httpOnly: true, sameSite: 'Strict' } as const;

export function setSecretCookie(c: Context, name: string, value: string): void {
  setCookie(c, name, value, OPTIONS);
}

export function clearCookie(c: Context, name: string): void {
  deleteCookie(c, name, OPTIONS);
}

/** The SSO browser-binding cookie (Lax: see above). */
export function setSsoCookie(c: Context, value: string): void {
  setCookie(c, SSO_COOKIE, value, { ...OPTIONS, sameSite: 'Lax' });
}

export function clearSsoCookie(c: Context): void {
  deleteCookie(c, SSO_COOKIE, { ...OPTIONS, sameSite: 'Lax' });
}
