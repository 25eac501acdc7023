/**
 * The portal page where an OT owner enrolls a passkey for their site's owner-signed approvals.
 * Three steps, each a plain form: the owner types the one-time code the OT gateway printed
 * (`airlock-ot owner enroll-start <name>`); the page comes back with registration options whose
 * challenge commits to (code, site, owner) and browser/passkeys.ts runs the ceremony; the
 * registration is relayed to the site and its answer shown. The code is not kept: the OT gateway
 * alone decides whether the registration matches the enrollment it started.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { AirlockError } from '../../../../shared/src/errors.js';
import { nameSchema } from '../../../../shared/src/model/names.js';
import { parseFormBody } from '../body.js';
import type { AccessHttpServices } from '../http-services.js';
import type { HttpVariables } from '../principal.js';
import { Csrf } from './layout.js';
import { PasskeyScripts } from './passkey-pages.js';
import { page, viewer, type PortalContext } from './portal-context.js';

const codeForm = z.strictObject({ code: z.string().trim().min(1, 'type the code').max(64) });
const registerForm = z.strictObject({
  response: z
    .string()
    .min(2, 'no passkey response: use the passkey button (scripts must be on)')
    .max(40_000),
});

function siteOf(c: PortalContext): string {
  const site = nameSchema.safeParse(c.req.param('site'));
  if (!site.success) throw new AirlockError('not_found', 'site.not_found', 'no such site');
  return site.data;
}

function Intro(props: { site: string }) {
  return (
    <p>
      Site <strong>{props.site}</strong> can require OT owners&apos; passkeys to sign each approval
      (owner-signed mode); the OT gateway then checks the signature itself. Enrollment starts at the
      site: an OT administrator runs{' '}
      <code>airlock-ot owner enroll-start &lt;your account name&gt;</code> and gives you the
      one-time code it prints (valid 15 minutes). You need a passkey in this browser or a security
      key that verifies you (PIN or biometric).
    </p>
  );
}

export function ownerEnrollRoutes(s: AccessHttpServices): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();
  const title = (site: string) => `Enroll your passkey for ${site} approvals`;

  const codePage = (c: PortalContext, site: string, error?: string) => {
    const v = viewer(c, s);
    return page(
      c,
      v,
      title(site),
      <section class="card" id="owner-enroll">
        <h2>{title(site)}</h2>
        <Intro site={site} />
        <form method="post" action={`/sites/${site}/owner-enroll/code`}>
          <Csrf token={v.csrf} />
          <label for="owner-enroll-code">One-time code from the OT gateway</label>
          <input type="text" id="owner-enroll-code" name="code" maxlength={64} required />
          <div class="actions">
            <button type="submit">Continue</button>
          </div>
        </form>
      </section>,
      error === undefined ? {} : { status: 400, error },
    );
  };

  app.get('/sites/:site/owner-enroll', (c) => codePage(c, siteOf(c)));

  app.post('/sites/:site/owner-enroll/code', async (c) => {
    const site = siteOf(c);
    const v = viewer(c, s);
    const form = await parseFormBody(c, codeForm);
    let options: string;
    try {
      options = JSON.stringify(await s.ownerEnrollment.options(v.user, site, form.code));
    } catch (e) {
      if (e instanceof AirlockError && e.kind === 'bad_request')
        return codePage(c, site, e.message);
      throw e;
    }
    return page(
      c,
      v,
      title(site),
      <form
        class="card"
        id="owner-enroll-register"
        method="post"
        action={`/sites/${site}/owner-enroll`}
        data-passkey="register"
        data-passkey-options={options}
      >
        <h2>{title(site)}</h2>
        <p>Create the passkey now; the site checks that it answers the code it printed.</p>
        <Csrf token={v.csrf} />
        <input type="hidden" name="response" value="" />
        <div class="actions">
          <button type="submit">Create the passkey</button>
        </div>
        <p class="muted" data-passkey-status role="status"></p>
        <PasskeyScripts />
      </form>,
    );
  });

  app.post('/sites/:site/owner-enroll', async (c) => {
    const site = siteOf(c);
    const v = viewer(c, s);
    const form = await parseFormBody(c, registerForm);
    const verdict = await s.ownerEnrollment.complete(v.user, site, form.response);
    if (!verdict.ok)
      return codePage(
        c,
        site,
        `The site refused the enrollment: ${verdict.reason} (${verdict.code})`,
      );
    return page(
      c,
      v,
      title(site),
      <section class="card" id="owner-enrolled">
        <h2>{title(site)}</h2>
        <p class="notice">
          Site {site} enrolled your passkey. Your approvals at {site} can now be signed with it.
        </p>
      </section>,
    );
  });

  return app;
}
