/**
 * First admin set-up in the portal: the form takes the console's one-time code, a name and a
 * password, creates the admin (setup/) and continues straight into TOTP enrollment, the same step
 * a first login takes (/login/enroll), so the account has its second factor before any session.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { toAirlockError } from '../../../../shared/src/errors.js';
import { parseFormBody } from '../body.js';
import { LOGIN_STEP_COOKIE, setSecretCookie } from '../cookies.js';
import { STATUS_BY_KIND } from '../error-response.js';
import type { AccessHttpServices } from '../http-services.js';
import type { HttpVariables } from '../principal.js';
import { sourceAddress } from '../request-source.js';
import { checkPre, preToken } from './login-routes.js';
import { SetupPage } from './setup-pages.js';

const setupForm = z.strictObject({
  code: z.string().max(64),
  name: z.string().max(32),
  password: z.string().max(256),
});

export function setupRoutes(s: AccessHttpServices): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();
  const setup = s.setup;
  if (setup === undefined) return app;

  app.get('/setup', (c) => c.html(<SetupPage pre={preToken(c)} open={setup.isOpen()} />));

  app.post('/setup', async (c) => {
    let name: string | undefined;
    try {
      await checkPre(c);
      const form = await parseFormBody(c, setupForm);
      name = form.name;
      const admin = await setup.createFirstAdmin(form, sourceAddress(c));
      const started = await s.auth.flows.begin(
        admin.name,
        form.password,
        sourceAddress(c),
        'portal',
      );
      setSecretCookie(c, LOGIN_STEP_COOKIE, started.step.secret);
      return c.redirect(started.next === 'enroll' ? '/login/enroll' : '/login/mfa', 303);
    } catch (e) {
      const ae = toAirlockError(e);
      if (ae.kind === 'internal') throw e;
      return c.html(
        <SetupPage pre={preToken(c)} open={setup.isOpen()} error={ae.message} name={name} />,
        STATUS_BY_KIND[ae.kind] as 400 | 403 | 409,
      );
    }
  });

  return app;
}
