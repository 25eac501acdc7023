/**
 * An OT owner enrolls a passkey for owner-signed approvals in a real browser (Debian's Chromium,
 * headless, DevTools virtual authenticator) against a real IT gateway on https://localhost:<port>
 * linked to a real OT gateway on 127.0.0.1. The enrollment is started OT-side
 * (`owners.enrollment.start`, what `airlock-ot owner enroll-start` calls); olga types its code on
 * the portal page, the browser creates the passkey, the IT gateway relays it and the OT gateway
 * stores it (OT audit `owner.enroll` success, IT audit `owner.enroll_relay` success). A wrong code
 * is refused by the OT gateway and shown; an engineer is refused the page.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../../../image/demo/plant/free-port.js';
import { launchChromium, loggedInPage } from '../../helpers/browser.js';
import { createUserNow } from '../../helpers/create-user-now.js';
import {
  auditActions,
  startIt,
  startOt,
  TEST_POLICY,
  waitForSiteConnected,
} from '../../helpers/link-fixture.js';

test(
  'in Chromium: olga enrolls her passkey for plant-1 approvals with the code the OT side printed',
  { timeout: 180_000 },
  async (t) => {
    const port = await freePort();
    const base = `https://localhost:${port}`;
    const it = await startIt(t, { port, publicUrl: base });
    const ot = await startOt(t, {
      enrollWith: it,
      policy: { ...TEST_POLICY, approvals: { mode: 'owner-signed', quorum: 1 } },
    });
    await waitForSiteConnected(it);
    const s = it.gw.services;
    const olga = createUserNow(s.auth.userAdmin, {
      name: 'olga',
      displayName: 'Olga Owner',
      roles: [{ role: 'ot-owner', site: 'plant-1' }],
    });
    const eve = createUserNow(s.auth.userAdmin, {
      name: 'eve',
      displayName: 'Eve Engineer',
      roles: [{ role: 'engineer' }],
    });
    const itEvents = (action: string) =>
      [...s.store.audit.iterate()].filter((e) => e.action === action);

    const browser = await launchChromium(t);
    const { page, consoleErrors } = await loggedInPage(browser, base, 'olga', olga);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });

    const enroll = async (code: string) => {
      await page.goto(`${base}/sites/plant-1/owner-enroll`);
      await page.fill('#owner-enroll-code', code);
      await Promise.all([
        page.waitForSelector('#owner-enroll-register'),
        page.click('#owner-enroll button[type=submit]'),
      ]);
      await Promise.all([
        page.waitForURL(`${base}/sites/plant-1/owner-enroll`),
        page.waitForSelector('#owner-enrolled, .notice.error, .error'),
        page.click('#owner-enroll-register button[type=submit]'),
      ]);
    };

    // The site page tells an owner how to enroll and links the page.
    await page.goto(`${base}/sites/plant-1`);
    assert.match((await page.textContent('#owner-signed-enroll')) ?? '', /enroll-start/);
    await Promise.all([
      page.waitForURL(`${base}/sites/plant-1/owner-enroll`),
      page.click('#owner-signed-enroll a'),
    ]);

    // A code the OT side never printed: the OT gateway refuses, the page says so.
    ot.gw.services.owners.enrollment.start('olga', 'local:root');
    await enroll('AAAA-AAAA-AAAA');
    assert.ok(!(await page.isVisible('#owner-enrolled')));
    assert.match((await page.content()) ?? '', /owner\.wrong_challenge/);

    // The code it printed: enrolled, audited on both sides.
    const { code } = ot.gw.services.owners.enrollment.start('olga', 'local:root');
    await enroll(code);
    assert.ok(await page.isVisible('#owner-enrolled'));
    const otEnrolls = auditActions(ot.gw).filter((e) => e.action === 'owner.enroll');
    assert.deepEqual(
      otEnrolls.map((e) => [e.outcome, e.details['code'] ?? null]),
      [
        ['denied', 'owner.wrong_challenge'],
        ['success', null],
      ],
    );
    assert.equal(otEnrolls[1]?.details['origin'], base);
    assert.deepEqual(
      itEvents('owner.enroll_relay').map((e) => [e.actor, e.outcome]),
      [
        ['olga', 'denied'],
        ['olga', 'success'],
      ],
    );
    // The refused step answers 400 (its page says why); no script or WebAuthn error otherwise.
    assert.deepEqual(
      consoleErrors.filter((m) => !m.startsWith('Failed to load resource')),
      [],
    );

    // An engineer is refused the page (403), audited.
    const other = await loggedInPage(browser, base, 'eve', eve);
    await other.page.goto(`${base}/sites/plant-1/owner-enroll`);
    await other.page.fill('#owner-enroll-code', code);
    const [answer] = await Promise.all([
      other.page.waitForResponse((r) => r.url().endsWith('/owner-enroll/code')),
      other.page.click('#owner-enroll button[type=submit]'),
    ]);
    assert.equal(answer.status(), 403);
    assert.equal(itEvents('owner.enroll_relay').at(-1)?.details['code'], 'owner.not_owner');
  },
);
