/**
 * SSO in a real browser (Debian's Chromium, headless, playwright-core) against a real IT gateway
 * on an HTTPS loopback port and the OpenID Provider stand-in on another (http, so a different
 * site): the login page's button, the provider's login and consent pages, and back. This is what
 * the cookie choices are for: the browser-binding cookie (SameSite=Lax) must come back on the
 * provider's cross-site redirect, and the portal's Strict session cookie must be sent after the
 * callback's continue page. erin's provider MFA counts: she lands on the dashboard; omar's does
 * not: he lands on the local second factor's enrollment, with no session.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ssoConfigSchema } from '../../../gateway-it/src/config/sso-config.js';
import { freePort } from '../../../image/demo/plant/free-port.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { launchChromium } from '../../helpers/browser.js';
import { startOidcOp, type OpAccount } from '../../helpers/oidc-op.js';
import { startLiveItGateway } from '../../helpers/live-it-gateway.js';

const person = (login: string, groups: string[], amr: string[]): OpAccount => ({
  login,
  password: `pw-${login}-51c2`,
  sub: `sub-${login}`,
  email: `${login}@corp.example`,
  preferredUsername: login,
  name: login,
  groups,
  amr,
});

test(
  'in Chromium: log in with the provider, with and without its MFA',
  { timeout: 180_000 },
  async (t) => {
    const dir = makeTempDir(t);
    const port = await freePort();
    const base = `https://127.0.0.1:${port}`;
    const redirectUri = `${base}/sso/corp/callback`;
    const op = await startOidcOp(t, { redirectUris: [redirectUri] });
    op.accounts.set('erin', person('erin', ['engineers'], ['pwd', 'mfa']));
    op.accounts.set('omar', person('omar', ['engineers'], ['pwd']));
    const secretFile = join(dir, 'corp.secret');
    writeFileSync(secretFile, op.clientSecret, { mode: 0o600 });
    const sso = ssoConfigSchema.parse({
      providers: {
        corp: {
          displayName: 'Corp IdP',
          issuer: op.issuer,
          clientId: op.clientId,
          clientSecretFile: secretFile,
          redirectUri,
          scopes: ['openid', 'profile', 'email', 'groups'],
          roles: [{ group: 'engineers', role: 'engineer' }],
          jitCreate: true,
          acceptIdpMfa: { amr: ['mfa'] },
        },
      },
    });
    const gw = await startLiveItGateway(t, {
      dataDir: join(dir, 'data'),
      env: { AIRLOCK_IT_HTTP_PORT: String(port) },
      configure: (c) => ({ ...c, sso }),
    });
    await gw.start();
    const browser = await launchChromium(t);

    const viaProvider = async (login: string) => {
      const ctx = await browser.newContext({ ignoreHTTPSErrors: true });
      const page = await ctx.newPage();
      page.setDefaultTimeout(20_000);
      await page.goto(`${base}/login`);
      await Promise.all([page.waitForURL(`${op.issuer}/**`), page.click('a[data-sso=corp]')]);
      await page.fill('input[name=login]', login);
      await page.fill('input[name=password]', op.accounts.get(login)?.password ?? '');
      await page.click('button');
      await page.waitForSelector('input[name=confirm]', { state: 'attached' });
      await page.click('button');
      return page;
    };

    const erin = await viaProvider('erin');
    await erin.waitForURL(`${base}/`);
    assert.match(await erin.content(), /erin/);
    const cookies = await erin.context().cookies(base);
    assert.ok(cookies.some((c) => c.name === '__Host-airlock-session' && c.sameSite === 'Strict'));
    assert.ok(!cookies.some((c) => c.name === '__Host-airlock-sso'), 'the binding cookie is spent');

    const omar = await viaProvider('omar');
    await omar.waitForURL(`${base}/login/enroll`);
    assert.ok(await omar.isVisible('#totp-secret'));
    const omarCookies = await omar.context().cookies(base);
    assert.ok(
      !omarCookies.some((c) => c.name === '__Host-airlock-session'),
      'no session before TOTP',
    );

    const logins = [...gw.services.store.audit.iterate()].filter((e) => e.action === 'auth.login');
    assert.deepEqual(
      logins.map((e) => [e.actor, e.outcome, e.details.method, e.details.mfa]),
      [['erin', 'success', 'oidc', 'idp']],
    );
  },
);
