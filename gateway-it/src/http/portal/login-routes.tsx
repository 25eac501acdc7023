/**
 * The portal's login face: password, then second factor or enrollment, then a session cookie.
 * The login page offers a passkey (passwordless) and the second-factor step a passkey when the
 * account has one; their posts are passkey-routes.tsx's, and fail the same way (loginFailure).
 * Before there is a session, forms carry a double-submit token (`_pre` = the pre-login cookie);
 * every failure ends the pending login step (cookie cleared, step ended server-side), so the next
 * attempt starts from the password and nothing half-open is left behind.
 */
import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { z } from 'zod';
import { AirlockError, toAirlockError } from '../../../../shared/src/errors.js';
import { constantTimeEqual } from '../../../../shared/src/crypto/hash.js';
import { randomToken } from '../../../../shared/src/crypto/random.js';
import { parseFormBody } from '../body.js';
import {
  clearCookie,
  LOGIN_STEP_COOKIE,
  PRE_LOGIN_COOKIE,
  SESSION_COOKIE,
  setSecretCookie,
} from '../cookies.js';
import { STATUS_BY_KIND } from '../error-response.js';
import type { AccessHttpServices } from '../http-services.js';
import type { HttpVariables } from '../principal.js';
import { sourceAddress } from '../request-source.js';
import { EnrollPage, LoginPage, RecoveryCodesPage, SecondFactorPage } from './login-pages.js';
import type { PortalContext } from './portal-context.js';

const loginForm = z.strictObject({ name: z.string().max(32), password: z.string().max(256) });
const codeForm = z.strictObject({
  code: z.string().max(16).optional(),
  recoveryCode: z.string().max(32).optional(),
});
const enrollForm = z.strictObject({ code: z.string().max(16) });

type FailStatus = 400 | 401 | 403 | 409 | 429;

/** The pre-login double-submit token (cookie and hidden field) of the forms shown before a session. */
export function preToken(c: PortalContext): string {
  let t = getCookie(c, PRE_LOGIN_COOKIE);
  if (t === undefined || !/^[A-Za-z0-9_-]{32}$/.test(t)) {
    t = randomToken(24);
    setSecretCookie(c, PRE_LOGIN_COOKIE, t);
  }
  return t;
}

/** A login finished: the login step cookie goes, the session cookie is set, on to the dashboard. */
export function enterPortal(c: PortalContext, sessionSecret: string): Response {
  clearCookie(c, LOGIN_STEP_COOKIE);
  setSecretCookie(c, SESSION_COOKIE, sessionSecret);
  return c.redirect('/', 303);
}

export async function checkPre(c: PortalContext): Promise<void> {
  const form = await c.req.parseBody();
  const sent = form._pre;
  const cookie = getCookie(c, PRE_LOGIN_COOKIE);
  if (typeof sent !== 'string' || cookie === undefined || !constantTimeEqual(sent, cookie)) {
    throw new AirlockError(
      'access_denied',
      'csrf.login_token',
      'the login form expired; please try again',
    );
  }
}

/**
 * Passwordless options for the login page, bound to this browser's pre-login cookie (`pre`);
 * undefined when passkeys are off.
 */
async function passkeyLoginOptions(
  s: AccessHttpServices,
  pre: string,
  source: string,
): Promise<string | undefined> {
  const { passkeys } = s.auth;
  if (passkeys.unavailableReason() !== null) return undefined;
  try {
    return JSON.stringify(await passkeys.assertionOptions('login', pre, null, source));
  } catch (e) {
    // Too many challenges live (someone loading the page in a loop): the password login stays.
    if (e instanceof AirlockError && e.code === 'passkey.busy') return undefined;
    throw e;
  }
}

/** The login page again after a failed step: the step ended, the reason shown. */
export function loginFailure(
  s: AccessHttpServices,
): (c: PortalContext, e: unknown) => Promise<Response> {
  const { flows } = s.auth;
  return async (c, e) => {
    const stepSecret = getCookie(c, LOGIN_STEP_COOKIE);
    if (stepSecret !== undefined) flows.abandon(stepSecret);
    clearCookie(c, LOGIN_STEP_COOKIE);
    const ae = toAirlockError(e);
    if (ae.kind === 'internal') throw e;
    const status = STATUS_BY_KIND[ae.kind] as FailStatus;
    const pre = preToken(c);
    return c.html(
      <LoginPage
        pre={pre}
        error={ae.message}
        sso={s.sso.providers()}
        passkey={await passkeyLoginOptions(s, pre, sourceAddress(c))}
      />,
      status,
    );
  };
}

export function loginRoutes(s: AccessHttpServices): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();
  const { flows } = s.auth;
  const failed = loginFailure(s);

  app.get('/login', async (c) => {
    if (c.get('principal')?.via === 'session') return c.redirect('/', 303);
    const notice = c.req.query('notice') === 'logged-out' ? 'You are logged out.' : undefined;
    const pre = preToken(c);
    return c.html(
      <LoginPage
        pre={pre}
        notice={notice}
        sso={s.sso.providers()}
        passkey={await passkeyLoginOptions(s, pre, sourceAddress(c))}
      />,
    );
  });

  app.post('/login', async (c) => {
    try {
      await checkPre(c);
      // A new password attempt always discards whatever login step this browser had open.
      const old = getCookie(c, LOGIN_STEP_COOKIE);
      if (old !== undefined) flows.abandon(old);
      const form = await parseFormBody(c, loginForm);
      const started = await flows.begin(form.name, form.password, sourceAddress(c), 'portal');
      setSecretCookie(c, LOGIN_STEP_COOKIE, started.step.secret);
      return c.redirect(started.next === 'enroll' ? '/login/enroll' : '/login/mfa', 303);
    } catch (e) {
      return failed(c, e);
    }
  });

  app.get('/login/mfa', async (c) => {
    const step = getCookie(c, LOGIN_STEP_COOKIE);
    if (step === undefined || flows.stepKind(step) !== 'second-factor')
      return c.redirect('/login', 303);
    const options = await flows.passkeyOptions(step, sourceAddress(c));
    return c.html(
      <SecondFactorPage
        pre={preToken(c)}
        passkey={options === null ? undefined : JSON.stringify(options)}
      />,
    );
  });

  app.post('/login/mfa', async (c) => {
    try {
      await checkPre(c);
      const form = await parseFormBody(c, codeForm);
      const step = getCookie(c, LOGIN_STEP_COOKIE) ?? '';
      const code = form.code?.trim() ?? '';
      const recovery = form.recoveryCode?.trim() ?? '';
      const factor =
        code !== '' ? { code } : recovery !== '' ? { recoveryCode: recovery } : undefined;
      if (factor === undefined)
        throw new AirlockError(
          'bad_request',
          'auth.second_factor_required',
          'enter the code from your authenticator (or a recovery code)',
        );
      const session = flows.finish(step, factor, sourceAddress(c));
      return enterPortal(c, session.secret);
    } catch (e) {
      return failed(c, e);
    }
  });

  app.get('/login/enroll', async (c) => {
    const step = getCookie(c, LOGIN_STEP_COOKIE);
    if (step === undefined || flows.stepKind(step) !== 'enroll') return c.redirect('/login', 303);
    const d = await flows.enrollment(step);
    const qr = `data:image/svg+xml;base64,${Buffer.from(d.qrSvg, 'utf8').toString('base64')}`;
    return c.html(
      <EnrollPage pre={preToken(c)} account={d.account} secret={d.secret} qrDataUrl={qr} />,
    );
  });

  app.post('/login/enroll', async (c) => {
    try {
      await checkPre(c);
      const form = await parseFormBody(c, enrollForm);
      const done = flows.confirmEnrollment(
        getCookie(c, LOGIN_STEP_COOKIE) ?? '',
        form.code,
        sourceAddress(c),
        'portal',
        'web',
      );
      clearCookie(c, LOGIN_STEP_COOKIE);
      setSecretCookie(c, SESSION_COOKIE, done.session.secret);
      c.header('cache-control', 'no-store');
      return c.html(<RecoveryCodesPage codes={done.recoveryCodes} />);
    } catch (e) {
      return failed(c, e);
    }
  });

  app.post('/logout', (c) => {
    const p = c.get('principal');
    if (p?.user !== undefined && p.sessionId !== undefined && p.via === 'session')
      flows.logout({ id: p.sessionId, kind: 'web' }, p.user);
    clearCookie(c, SESSION_COOKIE);
    return c.redirect('/login?notice=logged-out', 303);
  });

  return app;
}
