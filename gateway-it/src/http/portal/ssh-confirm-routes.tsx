/**
 * The portal page behind an SSH prompt's one-time link (`/ssh/confirm/<code>`, docs/ssh.md): the
 * key's owner sees which key and which source address wait, and confirms; the waiting SSH login
 * then goes in when they press Enter. Only a portal session (never an API token) may confirm, and
 * every portal session was issued after a second factor (TOTP, a recovery code, or the identity
 * provider's MFA), so confirming stands for a strong login. Refusals (unknown, expired, used,
 * another user's link) come from the service, audited there, shown by the portal's error page.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { AirlockError } from '../../../../shared/src/errors.js';
import type { AccessHttpServices, SshConfirmationFacts } from '../http-services.js';
import type { HttpVariables } from '../principal.js';
import { sourceAddress } from '../request-source.js';
import { utcTime } from './format.js';
import { PostButton } from './layout.js';
import { page, viewer } from './portal-context.js';

/** The code in the path: what the SSH endpoint issues (lowercase letters and digits, no 0/1/i/l/o). */
const codeParam = z.string().regex(/^[a-hj-km-np-z2-9]{10}$/);

export function sshConfirmRoutes(s: AccessHttpServices): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();

  const confirmations = () => {
    if (s.ssh === undefined)
      throw new AirlockError('not_found', 'ssh.disabled', 'the SSH endpoint is not enabled');
    return s.ssh.confirmations;
  };
  // A malformed code is looked up as it is: the service refuses (and audits) an unknown one.
  const codeOf = (raw: string): string => (codeParam.safeParse(raw).success ? raw : '');

  app.get('/ssh/confirm/:code', (c) => {
    const v = viewer(c, s);
    const by = { id: v.user.id, name: v.user.name, source: sourceAddress(c) };
    const link = confirmations().describe(codeOf(c.req.param('code')), by);
    const body = (
      <section class="card">
        <h2>Confirm an SSH login</h2>
        <Facts link={link} />
        <p>
          Confirm only if you started this login yourself. This key then logs in without a code for
          the rest of your shift.
        </p>
        <div class="actions">
          <PostButton
            action={`/ssh/confirm/${link.code}`}
            csrf={v.csrf}
            label="Confirm this SSH login"
          />
        </div>
      </section>
    );
    return page(c, v, 'Confirm SSH login', body);
  });

  app.post('/ssh/confirm/:code', (c) => {
    const v = viewer(c, s);
    const by = { id: v.user.id, name: v.user.name, source: sourceAddress(c) };
    const link = confirmations().confirm(codeOf(c.req.param('code')), by);
    const body = (
      <section class="card" id="ssh-confirmed">
        <h2>SSH login confirmed</h2>
        <Facts link={link} />
        <p>Press Enter at the SSH prompt to continue.</p>
      </section>
    );
    return page(c, v, 'SSH login confirmed', body);
  });
  return app;
}

function Facts(props: { link: SshConfirmationFacts }) {
  const { link } = props;
  return (
    <dl>
      <dt>Key</dt>
      <dd>
        <code id="ssh-confirm-key">{link.keyFingerprint}</code>
      </dd>
      <dt>From</dt>
      <dd>
        <code id="ssh-confirm-source">{link.source}</code>
      </dd>
      <dt>Link valid until</dt>
      <dd>{utcTime(link.expiresAt)}</dd>
    </dl>
  );
}
