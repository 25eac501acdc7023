/**
 * The README's first command must always start: run the demo launcher (on offset ports, in a temp
 * state dir), check what it promises (gateways up, site and users created, the OT gateway enrolled
 * and its site online, credentials file 0600), that a newcomer can log in with the demo's own OpenID
 * Provider in Chromium as the banner says (erin, whose provider login reports MFA, lands on the
 * portal's dashboard with a session), then stop it with Ctrl-C (SIGINT) and check that it exits cleanly and everything it started is gone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pinnedRequest } from '../helpers/https-client.js';
import { portOpen, startDemo } from '../helpers/demo-launcher.js';
import { launchChromium } from '../helpers/browser.js';
import type { IdpAccount } from '../../image/demo/idp/idp-standin.js';

test(
  'the demo launcher starts the appliance and stops it on Ctrl-C',
  { timeout: 180_000 },
  async (t) => {
    // Ports stay below 32768, out of the ephemeral range other connections draw from.
    const demo = await startDemo(t, 1_000);
    const { offset, child, credentials: creds, fingerprint: fp } = demo;
    assert.equal(statSync(join(demo.dir, 'credentials.json')).mode & 0o777, 0o600);
    assert.equal(creds.site, 'plant-1');
    assert.deepEqual(
      creds.users.map((u) => u.name),
      ['admin', 'alice', 'olga', 'victor', 'audrey'],
    );
    for (const u of creds.users) {
      assert.match(u.password, /^[a-z2-9-]{24}$/);
      assert.match(u.totpSecret, /^[A-Z2-7]+$/);
    }
    const health = await pinnedRequest(`https://127.0.0.1:${8443 + offset}/healthz`, fp);
    assert.equal(health.status, 200);
    assert.deepEqual(
      health.json<{ sites: { site: string; link: string }[] }>().sites.map((s) => [s.site, s.link]),
      [['plant-1', 'online']],
      'the OT gateway is enrolled and linked',
    );
    for (const p of [12022, 16502, 16503, 16840, 2222])
      assert.equal(await portOpen(p + offset), true, `port ${p + offset} answers`);
    const out = demo.output();
    assert.match(out, /hmi-1, opc-1, plc-1/);
    assert.match(
      out,
      /Window\s+plant-1: weekly, every day/,
      'the demo seeds a maintenance window (window-add succeeded)',
    );
    assert.match(
      out,
      new RegExp(`ssh -p ${2222 + offset} alice:hmi-1@127\\.0\\.0\\.1`),
      'the SSH command to try, on the shifted port',
    );

    // SSO as the banner tells a newcomer: "Log in with Demo IdP", erin's password at the provider.
    const accounts = JSON.parse(
      readFileSync(join(demo.dir, 'it', 'demo-idp-accounts.json'), 'utf8'),
    ) as IdpAccount[];
    const erin = accounts.find((a) => a.login === 'erin');
    assert.ok(erin !== undefined);
    assert.match(out, new RegExp(`erin / ${erin.password}`), 'the banner gives the IdP password');
    const idpBase = `http://127.0.0.1:${18090 + offset}`;
    const portal = `https://127.0.0.1:${8443 + offset}`;
    const browser = await launchChromium(t);
    const ctx = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await ctx.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(`${portal}/login`);
    assert.match((await page.textContent('a[data-sso=demo-idp]')) ?? '', /Demo IdP/);
    await Promise.all([page.waitForURL(`${idpBase}/**`), page.click('a[data-sso=demo-idp]')]);
    await page.fill('input[name=login]', 'erin');
    await page.fill('input[name=password]', erin.password);
    await page.click('button');
    await page.waitForSelector('input[name=confirm]', { state: 'attached' });
    await page.click('button');
    await page.waitForURL(`${portal}/`);
    assert.match(await page.content(), /erin/);
    const cookies = await ctx.cookies(portal);
    assert.ok(
      cookies.some((c) => c.name === '__Host-airlock-session'),
      'a portal session',
    );
    await ctx.close();

    // SCIM as the banner shows it: the provider's provisioning client, a joiner then a leaver.
    const token = readFileSync(join(demo.dir, 'it', 'demo-idp.scim-token'), 'utf8').trim();
    assert.match(out, /scim\/v2\/Users/, 'the banner shows the SCIM endpoint');
    const scim = (method: string, path: string, body?: unknown) =>
      pinnedRequest(`${portal}/scim/v2${path}`, fp, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/scim+json',
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const joiner = await scim('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'jo',
      externalId: 'demo-jo-0001',
    });
    assert.equal(joiner.status, 201, joiner.body);
    const jo = joiner.json<{ id: string; active: boolean }>();
    assert.equal(jo.active, true);
    const leaver = await scim('PATCH', `/Users/${jo.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    assert.equal(leaver.status, 200, leaver.body);
    assert.equal(leaver.json<{ active: boolean }>().active, false);
    assert.equal((await scim('GET', '/Users', undefined)).status, 200);
    assert.equal(
      (await pinnedRequest(`${portal}/scim/v2/Users`, fp)).status,
      401,
      'no token, no SCIM',
    );

    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0, demo.output());
    assert.match(demo.output(), /stopped\./);
    for (const p of [8443, 2222, 12022, 16502, 16503, 16840, 18090])
      assert.equal(await portOpen(p + offset), false, `port ${p + offset} is closed`);
  },
);
