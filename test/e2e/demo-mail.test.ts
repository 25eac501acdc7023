/**
 * The demo shows notifications arriving: run the launcher, request access as alice through the
 * API, and read olga's message in `<state-dir>/mail/*.eml` (the demo's SMTP relay took it over
 * STARTTLS); the banner says where to look.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSync } from 'otplib';
import { mailBodyText, mailHeader } from '../../image/demo/mail/mail-catcher.js';
import { startDemo } from '../helpers/demo-launcher.js';
import { pinnedRequest } from '../helpers/https-client.js';
import { waitFor } from '../helpers/wait-for.js';

test(
  'in the demo, a request reaches the OT owner as a mail file',
  { timeout: 180_000 },
  async (t) => {
    const demo = await startDemo(t, 1_700);
    const mailDir = join(demo.dir, 'mail');
    assert.ok(demo.output().includes(`${mailDir}/*.eml`), 'the banner names the mail folder');
    const base = `https://127.0.0.1:${8443 + demo.offset}`;
    const alice = demo.credentials.users.find((u) => u.name === 'alice');
    assert.ok(alice);
    const login = await pinnedRequest(`${base}/api/v1/auth/login`, demo.fingerprint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'alice',
        password: alice.password,
        code: generateSync({ secret: alice.totpSecret, epoch: Math.floor(Date.now() / 1000) }),
      }),
    });
    assert.equal(login.status, 200, login.body);
    const now = Date.now();
    const created = await pinnedRequest(`${base}/api/v1/requests`, demo.fingerprint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${login.json<{ token: string }>().token}`,
      },
      body: JSON.stringify({
        site: 'plant-1',
        assets: [{ asset: 'hmi-1', profile: 'maintenance' }],
        start: new Date(now).toISOString(),
        end: new Date(now + 3_600_000).toISOString(),
        reason: 'check the demo mail',
        ticketRef: 'CHG0001001',
      }),
    });
    assert.equal(created.status, 201, created.body);
    const id = created.json<{ id: string }>().id;
    const file = await waitFor('olga’s mail', () =>
      readdirSync(mailDir, { withFileTypes: true })
        .map((d) => d.name)
        .find((n) => n.endsWith('-olga@plant1.demo.eml')),
    );
    const raw = readFileSync(join(mailDir, file), 'utf8');
    assert.match(
      mailHeader(raw, 'Subject') ?? '',
      /Access request by alice waits for your approval/,
    );
    assert.match(mailBodyText(raw), new RegExp(`/requests/${id}`));
  },
);
