/**
 * Passkeys in a real browser (Debian's Chromium, headless, playwright-core) with the DevTools
 * virtual authenticator (CDP WebAuthn: a CTAP2 platform authenticator with resident keys and
 * user verification) against a real IT gateway on https://localhost:<port> (an IP address cannot
 * be a WebAuthn RP id). alice registers a passkey on her account page, logs in with it without a
 * password, then uses it as the second factor after her password, renames it; a clone of it
 * (same key, lower signature counter, on another authenticator) is refused and raises the alert;
 * once revoked it logs in no more; at the IP address the page says where passkeys work. Each
 * step's audit events are asserted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { freePort } from '../../../image/demo/plant/free-port.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { launchChromium, loggedInPage } from '../../helpers/browser.js';
import { createUserNow } from '../../helpers/create-user-now.js';
import { startLiveItGateway } from '../../helpers/live-it-gateway.js';

interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

async function addAuthenticator(cdp: CDPSession): Promise<string> {
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return authenticatorId;
}

async function credentialsOf(
  cdp: CDPSession,
  authenticatorId: string,
): Promise<VirtualCredential[]> {
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  return credentials as VirtualCredential[];
}

/** Clicks a submit button whose form posts and waits for the page it lands on. */
async function submitTo(page: Page, selector: string, url: string | RegExp): Promise<void> {
  await Promise.all([page.waitForURL(url), page.click(selector)]);
}

test(
  'in Chromium: register a passkey, log in with it (passwordless and as second factor), rename, a clone refused, revoke',
  { timeout: 180_000 },
  async (t) => {
    const dir = makeTempDir(t);
    const port = await freePort();
    const base = `https://localhost:${port}`;
    const gw = await startLiveItGateway(t, {
      dataDir: join(dir, 'data'),
      env: { AIRLOCK_IT_HTTP_PORT: String(port), AIRLOCK_IT_HTTP_PUBLIC_URL: base },
    });
    const s = gw.services;
    const alice = createUserNow(s.auth.userAdmin, {
      name: 'alice',
      displayName: 'Alice Engineer',
      roles: [{ role: 'engineer' }],
    });
    await gw.start();
    const events = (action: string) =>
      [...s.store.audit.iterate()].filter((e) => e.action === action);

    const browser = await launchChromium(t);
    const { page, consoleErrors } = await loggedInPage(browser, base, 'alice', alice);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const first = await addAuthenticator(cdp);

    // Register.
    await page.goto(`${base}/account/passkeys`);
    assert.ok(await page.isVisible('#no-passkeys'));
    await page.fill('#passkey-name', 'laptop');
    await submitTo(page, '#passkey-register button[type=submit]', /notice=passkey-added/);
    assert.equal((await page.textContent('#passkeys .passkey-name'))?.trim(), 'laptop');
    const registered = events('passkey.register');
    assert.deepEqual(
      registered.map((e) => [e.actor, e.outcome, e.details.name, e.details.userVerified]),
      [['alice', 'success', 'laptop', true]],
    );
    const passkeyId = String(registered[0]?.details.passkeyId);
    const [credential] = await credentialsOf(cdp, first);
    assert.ok(credential?.isResidentCredential, 'a discoverable credential');

    const logOut = async () => {
      await submitTo(page, 'header form[action="/logout"] button', /\/login\?notice=logged-out/);
    };

    // Passwordless.
    await logOut();
    await submitTo(page, '#passkey-login button[type=submit]', `${base}/`);
    assert.match((await page.textContent('h1')) ?? '', /Alice Engineer/);
    const passwordless = events('auth.login').at(-1);
    assert.equal(passwordless?.outcome, 'success');
    assert.equal(passwordless?.details.firstFactor, 'passkey');
    assert.equal(passwordless?.details.mfa, 'passkey');
    assert.equal(passwordless?.details.passkeyId, passkeyId);

    // Second factor after the password.
    await logOut();
    await page.fill('#name', 'alice');
    await page.fill('#password', alice.password);
    await submitTo(page, 'form[action="/login"] button[type=submit]', `${base}/login/mfa`);
    await submitTo(page, '#passkey-second-factor button[type=submit]', `${base}/`);
    const secondFactor = events('auth.login').at(-1);
    assert.equal(secondFactor?.details.firstFactor, 'password');
    assert.equal(secondFactor?.details.mfa, 'passkey');
    assert.equal(events('mfa.verify').at(-1)?.details.method, 'passkey');

    // Rename.
    await page.goto(`${base}/account/passkeys`);
    await page.fill(`tr[data-passkey-id="${passkeyId}"] input[name=name]`, 'work laptop');
    await submitTo(
      page,
      `tr[data-passkey-id="${passkeyId}"] form[action$="/rename"] button`,
      /notice=passkey-renamed/,
    );
    assert.equal((await page.textContent('#passkeys .passkey-name'))?.trim(), 'work laptop');
    assert.deepEqual(
      events('passkey.rename').map((e) => [e.details.from, e.details.to]),
      [['laptop', 'work laptop']],
    );

    // A clone: the same key on another authenticator with a lower signature counter.
    const [used] = await credentialsOf(cdp, first);
    assert.ok(used !== undefined && used.signCount >= 2, `counter moved: ${used?.signCount}`);
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: first });
    const clone = await addAuthenticator(cdp);
    await cdp.send('WebAuthn.addCredential', {
      authenticatorId: clone,
      credential: { ...used, signCount: 1 },
    });
    await logOut();
    await Promise.all([
      page.waitForResponse((r) => r.url() === `${base}/login/passkey`),
      page.click('#passkey-login button[type=submit]'),
    ]);
    assert.match((await page.textContent('.notice.error')) ?? '', /counter went backwards/);
    assert.ok(
      !(await page.context().cookies(base)).some((c) => c.name === '__Host-airlock-session'),
      'no session for a clone',
    );
    const alert = events('passkey.clone_detected');
    assert.equal(alert.length, 1);
    assert.equal(alert[0]?.details.passkeyId, passkeyId);
    assert.equal(alert[0]?.details.receivedCounter, 2);
    assert.ok(Number(alert[0]?.details.storedCounter) >= 2);
    assert.equal(events('mfa.verify').at(-1)?.details.refusal, 'counter_regressed');

    // Revoke (logged in with password and a recovery code: the TOTP code of this half-minute is
    // spent), then the passkey logs in no more.
    await page.fill('#name', 'alice');
    await page.fill('#password', alice.password);
    await submitTo(page, 'form[action="/login"] button[type=submit]', `${base}/login/mfa`);
    await page.click('summary');
    await page.fill('#recoveryCode', alice.recoveryCodes[0] ?? '');
    await submitTo(page, 'form[action="/login/mfa"] button[type=submit]', `${base}/`);
    assert.equal(events('auth.login').at(-1)?.details.mfa, 'recovery');
    await page.goto(`${base}/account/passkeys`);
    await submitTo(
      page,
      `tr[data-passkey-id="${passkeyId}"] form[action$="/revoke"] button`,
      /notice=passkey-revoked/,
    );
    assert.ok(await page.isVisible('#no-passkeys'));
    assert.deepEqual(
      events('passkey.revoke').map((e) => [e.actor, e.details.name]),
      [['alice', 'work laptop']],
    );
    await logOut();
    await Promise.all([
      page.waitForResponse((r) => r.url() === `${base}/login/passkey`),
      page.click('#passkey-login button[type=submit]'),
    ]);
    assert.match((await page.textContent('.notice.error')) ?? '', /could not be verified/);
    assert.equal(events('mfa.verify').at(-1)?.details.refusal, 'unknown_passkey');
    // At the IP address (not the RP id) the page says where passkeys work, and offers no button.
    await page.goto(`https://127.0.0.1:${port}/login`);
    await page.waitForSelector('#passkey-login [data-passkey-status][data-state=elsewhere]');
    assert.match(
      (await page.textContent('#passkey-login [data-passkey-status]')) ?? '',
      new RegExp(`only at https://localhost:${port}/`),
    );
    assert.ok(await page.isDisabled('#passkey-login button'));

    // The two refusals are 401 pages (the browser logs their status); nothing else went wrong.
    assert.deepEqual(
      consoleErrors.filter((m) => !/status of 401/.test(m)),
      [],
    );
    assert.equal(consoleErrors.length, 2);
  },
);
