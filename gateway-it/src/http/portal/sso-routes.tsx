/**
 * The portal's single sign-on face: `/sso/<provider>/login` sends the browser to the provider
 * with a browser-binding cookie; `/sso/<provider>/callback` (the redirect URI) hands the answer
 * to sso/ and sets the session cookie, or the login-step cookie when the local second factor is
 * still due. Both answers of the callback are a small page that moves on by itself: the callback
 * is a navigation the provider's site started, and the portal's SameSite=Strict cookies are only
 * sent on the next, same-site, navigation. A refusal shows the login page with sso/'s reason.
 */
import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { toAirlockError } from '../../../../shared/src/errors.js';
import {
  clearCookie,
  clearSsoCookie,
  LOGIN_STEP_COOKIE,
  SESSION_COOKIE,
  setSecretCookie,
  setSsoCookie,
  SSO_COOKIE,
} from '../cookies.js';
import { STATUS_BY_KIND } from '../error-response.js';
import type { AccessHttpServices } from '../http-services.js';
import type { HttpVariables } from '../principal.js';
import { sourceAddress } from '../request-source.js';
import { LoginPage } from './login-pages.js';
import { preToken } from './login-routes.js';
import { Layout } from './layout.js';
import type { PortalContext } from './portal-context.js';

export const SSO_PUBLIC_ROUTES: readonly string[] = [
  'GET /sso/:provider/login',
  'GET /sso/:provider/callback',
];

function ContinuePage(props: { to: string }) {
  return (
    <Layout title="Continue">
      <meta http-equiv="refresh" content={`0;url=${props.to}`} />
      <section class="card">
        <p>
          <a class="button" id="sso-continue" href={props.to}>
            Continue
          </a>
        </p>
      </section>
    </Layout>
  );
}

export function ssoRoutes(s: AccessHttpServices): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();

  const refused = (c: PortalContext, e: unknown): Response | Promise<Response> => {
    const ae = toAirlockError(e);
    if (ae.kind === 'internal') throw e;
    const status = STATUS_BY_KIND[ae.kind] as 400 | 401 | 403 | 404 | 409 | 429 | 503;
    return c.html(
      <LoginPage pre={preToken(c)} error={ae.message} sso={s.sso.providers()} />,
      status,
    );
  };

  app.get('/sso/:provider/login', async (c) => {
    try {
      const started = await s.sso.begin(c.req.param('provider'), sourceAddress(c));
      setSsoCookie(c, started.browserSecret);
      c.header('cache-control', 'no-store');
      return c.redirect(started.redirectTo, 303);
    } catch (e) {
      return refused(c, e);
    }
  });

  app.get('/sso/:provider/callback', async (c) => {
    const browserSecret = getCookie(c, SSO_COOKIE);
    clearSsoCookie(c);
    c.header('cache-control', 'no-store');
    try {
      const outcome = await s.sso.complete(
        c.req.param('provider'),
        new URL(c.req.url),
        browserSecret,
        sourceAddress(c),
      );
      const old = getCookie(c, LOGIN_STEP_COOKIE);
      if (old !== undefined) s.auth.flows.abandon(old);
      if (outcome.next === 'session') {
        clearCookie(c, LOGIN_STEP_COOKIE);
        setSecretCookie(c, SESSION_COOKIE, outcome.session.secret);
        return c.html(<ContinuePage to="/" />);
      }
      setSecretCookie(c, LOGIN_STEP_COOKIE, outcome.step.secret);
      return c.html(
        <ContinuePage to={outcome.next === 'enroll' ? '/login/enroll' : '/login/mfa'} />,
      );
    } catch (e) {
      return refused(c, e);
    }
  });

  return app;
}
