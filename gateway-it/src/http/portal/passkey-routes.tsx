/**
 * The portal's passkey routes: the account's passkeys page (add, rename, revoke), and the two
 * login posts (passwordless, and a passkey as the second factor). The login pages that carry the
 * passkey forms are login-routes.tsx's; their failures end the login step the same way (the next
 * attempt starts again). Challenges are bound here to what this browser holds: its portal session
 * (registration), its login step (second factor) or its pre-login cookie (passwordless).
 */
import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { z } from 'zod';
import { AirlockError } from '../../../../shared/src/errors.js';
import { requiresUserVerification } from '../../auth/auth.js';
import { parseFormBody } from '../body.js';
import { LOGIN_STEP_COOKIE, PRE_LOGIN_COOKIE } from '../cookies.js';
import type { AccessHttpServices } from '../http-services.js';
import type { HttpVariables } from '../principal.js';
import { sourceAddress } from '../request-source.js';
import { checkPre, enterPortal } from './login-routes.js';
import { PasskeysBody } from './passkey-pages.js';
import { page, viewer, type PortalContext } from './portal-context.js';

/** What the passkey script posts: the ceremony's result as JSON text. */
const responseField = z
  .string()
  .min(2, 'no passkey response: use the passkey button (scripts must be on)')
  .max(40_000);
const passkeyName = z.string().trim().min(1, 'give the passkey a name').max(64);
const assertionForm = z.strictObject({ response: responseField });
const registerForm = z.strictObject({ name: passkeyName, response: responseField });
const renameForm = z.strictObject({ name: passkeyName });

/** The id in a passkey path, checked before it reaches the store. */
function passkeyId(c: PortalContext): string {
  const id = c.req.param('id') ?? '';
  if (!/^pk_[a-z2-7]{1,40}$/.test(id))
    throw new AirlockError('not_found', 'passkey.not_found', 'no such passkey of yours');
  return id;
}

export function passkeyRoutes(
  s: AccessHttpServices,
  failedLogin: (c: PortalContext, e: unknown) => Response | Promise<Response>,
): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();
  const { passkeys, passkeyLogin, flows } = s.auth;

  app.post('/login/passkey', async (c) => {
    try {
      await checkPre(c);
      const old = getCookie(c, LOGIN_STEP_COOKIE);
      if (old !== undefined) flows.abandon(old);
      const form = await parseFormBody(c, assertionForm);
      const session = await passkeyLogin.passwordless(
        getCookie(c, PRE_LOGIN_COOKIE) ?? '',
        form.response,
        sourceAddress(c),
      );
      return enterPortal(c, session.secret);
    } catch (e) {
      return failedLogin(c, e);
    }
  });

  app.post('/login/mfa/passkey', async (c) => {
    try {
      await checkPre(c);
      const form = await parseFormBody(c, assertionForm);
      const session = await flows.finishWithPasskey(
        getCookie(c, LOGIN_STEP_COOKIE) ?? '',
        form.response,
        sourceAddress(c),
      );
      return enterPortal(c, session.secret);
    } catch (e) {
      return failedLogin(c, e);
    }
  });

  const show = async (c: PortalContext, error?: string) => {
    const v = viewer(c, s);
    const sessionId = c.get('principal')?.sessionId ?? '';
    const off = passkeys.unavailableReason();
    const options =
      off !== null
        ? { unavailable: off }
        : {
            json: JSON.stringify(
              await passkeys.registrationOptions(v.user, sessionId, sourceAddress(c)),
            ),
          };
    return page(
      c,
      v,
      'Passkeys',
      <PasskeysBody
        csrf={v.csrf}
        passkeys={passkeys.list(v.user)}
        options={options}
        verificationRequired={requiresUserVerification(v.user)}
      />,
      error === undefined ? {} : { status: 400, error },
    );
  };

  app.get('/account/passkeys', (c) => show(c));

  app.post('/account/passkeys', async (c) => {
    const v = viewer(c, s);
    const form = await parseFormBody(c, registerForm);
    try {
      await passkeys.register(
        v.user,
        c.get('principal')?.sessionId ?? '',
        form.name,
        form.response,
      );
    } catch (e) {
      // A refused registration shows the page again with a fresh challenge and the reason.
      if (e instanceof AirlockError && (e.kind === 'bad_request' || e.kind === 'conflict'))
        return show(c, e.message);
      throw e;
    }
    return c.redirect('/account/passkeys?notice=passkey-added', 303);
  });

  app.post('/account/passkeys/:id/rename', async (c) => {
    const v = viewer(c, s);
    const form = await parseFormBody(c, renameForm);
    passkeys.rename(v.user, passkeyId(c), form.name);
    return c.redirect('/account/passkeys?notice=passkey-renamed', 303);
  });

  app.post('/account/passkeys/:id/revoke', (c) => {
    const v = viewer(c, s);
    passkeys.revoke(v.user, passkeyId(c));
    return c.redirect('/account/passkeys?notice=passkey-revoked', 303);
  });

  return app;
}
