/**
 * The portal in a real browser (Debian's Chromium, headless, driven by playwright-core) against a
 * real IT gateway listening on an ephemeral loopback port with its self-signed certificate: alice
 * logs in with a TOTP code and requests hmi-1 inside a maintenance window; olga logs in, approves
 * from her inbox; alice sees the grant active. Real clock: the window spans the test's run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';
import { generateSync } from 'otplib';
import { formatLocalInput } from '../../../gateway-it/src/access/zoned-time.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { asset } from '../../helpers/it-harness.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { startLiveItGateway } from '../../helpers/live-it-gateway.js';

useCrypto();

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

async function logIn(
  page: Page,
  base: string,
  name: string,
  password: string,
  totpSecret: string,
): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill('#name', name);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL(`${base}/login/mfa`), page.click('button[type=submit]')]);
  await page.fill(
    '#code',
    generateSync({ secret: totpSecret, epoch: Math.floor(Date.now() / 1000) }),
  );
  await Promise.all([
    page.waitForURL(`${base}/`),
    page.click('form[action="/login/mfa"] button[type=submit]'),
  ]);
}

test(
  'in Chromium: log in with TOTP, request access, the OT owner approves, the grant is active',
  { timeout: 180_000 },
  async (t) => {
    const dir = makeTempDir(t);
    const gw = await startLiveItGateway(t, { dataDir: dir });
    const s = gw.services;
    s.auth.userAdmin.createSite(
      { id: 'plant-1', timezone: 'Europe/Berlin', displayName: 'Plant 1' },
      'cli:test',
    );
    s.store.catalogue.replace(
      'plant-1',
      [
        asset('hmi-1', 'ssh', ['maintenance', 'read-only']),
        asset('plc-1', 'modbus', ['read-only']),
      ],
      Date.now(),
    );
    const alice = await s.auth.userAdmin.createUser(
      { name: 'alice', displayName: 'Alice Engineer', roles: [{ role: 'engineer' }] },
      'cli:test',
    );
    const olga = await s.auth.userAdmin.createUser(
      { name: 'olga', displayName: 'Olga Owner', roles: [{ role: 'ot-owner', site: 'plant-1' }] },
      'cli:test',
    );
    const now = Date.now();
    s.access.windows.addWindow({ cli: 'cli:test' }, 'plant-1', {
      asset: null,
      label: 'test window',
      rule: { kind: 'once', start: now - 3_600_000, end: now + 3 * 3_600_000 },
    });
    const running = await gw.start();
    const base = `https://127.0.0.1:${running.httpsPort}`;

    let browser: Browser | undefined;
    t.after(async () => {
      await browser?.close();
    });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 60_000,
    });
    const aliceCtx = await browser.newContext({ ignoreHTTPSErrors: true });
    const a = await aliceCtx.newPage();
    a.setDefaultTimeout(20_000);
    const consoleErrors: string[] = [];
    a.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await logIn(a, base, 'alice', alice.password, alice.totpSecret ?? '');
    assert.match((await a.textContent('h1')) ?? '', /Hello, Alice Engineer/);

    await a.click('text=Request access');
    await a.selectOption('#site', 'plant-1');
    await Promise.all([
      a.waitForURL(/\/requests\/new\?site=plant-1$/),
      a.click('button[type=submit]:has-text("Continue")'),
    ]);
    await a.selectOption('select[data-asset="hmi-1"]', 'hmi-1:maintenance');
    // The form's own times, as a newcomer leaves them: from now (site time) for an hour.
    const start = await a.inputValue('#start');
    assert.ok(
      [Date.now(), Date.now() - 60_000]
        .map((t) => formatLocalInput(t, 'Europe/Berlin'))
        .includes(start),
      `the default start is now in Europe/Berlin, not later (${start})`,
    );
    await a.fill('#reason', 'update the HMI recipe screens');
    await a.fill('#ticketRef', 'CHG-2001');
    await Promise.all([
      a.waitForURL(/\/requests\/req_/),
      a.click('button:has-text("Send request")'),
    ]);
    assert.match((await a.textContent('.notice.ok')) ?? '', /Request sent to the OT owners/);
    assert.match((await a.textContent('main')) ?? '', /pending/);
    const requestPath = new URL(a.url()).pathname;

    const olgaCtx = await browser.newContext({ ignoreHTTPSErrors: true });
    const o = await olgaCtx.newPage();
    o.setDefaultTimeout(20_000);
    await logIn(o, base, 'olga', olga.password, olga.totpSecret ?? '');
    await o.click('header >> text=Inbox');
    const requestId = requestPath.slice(requestPath.lastIndexOf('/') + 1);
    await Promise.all([
      o.waitForURL(`${base}/requests/${requestId}`),
      o.click(`tr[data-request="${requestId}"] >> text=Decide`),
    ]);
    await o.fill('#comment', 'agreed with the shift lead');
    await Promise.all([o.waitForURL(/notice=granted/), o.click('button[value=approve]')]);
    assert.match((await o.textContent('.notice.ok')) ?? '', /Approved: the grant is issued/);

    await a.goto(`${base}/`);
    const row = a.locator('tr.grant.active');
    assert.equal(await row.count(), 1, 'alice sees one active grant');
    assert.match((await row.textContent()) ?? '', /plant-1: hmi-1 \(maintenance\)/);
    // The hint names the port the SSH endpoint really bound (0 in the config means any free port).
    assert.ok(running.ssh !== undefined && running.ssh.port > 0);
    assert.ok(
      ((await a.textContent('main')) ?? '').includes(
        `ssh -p ${running.ssh.port} alice:hmi-1@127.0.0.1`,
      ),
    );
    const grantUrl = await row.locator('a').first().getAttribute('href');
    await a.goto(`${base}${grantUrl ?? ''}`);
    assert.match((await a.textContent('main')) ?? '', /Approved by: olga/);

    assert.deepEqual(consoleErrors, [], 'no CSP violation or script error in the pages');
    const actions = [...s.store.audit.iterate()].map((e) => e.action);
    for (const x of [
      'auth.login',
      'mfa.verify',
      'request.create',
      'request.approve',
      'grant.issue',
    ])
      assert.ok(actions.includes(x), x);
    const logins = [...s.store.audit.iterate()].filter((e) => e.action === 'auth.login');
    assert.deepEqual(
      logins.map((e) => [e.actor, e.details.via]),
      [
        ['alice', 'portal'],
        ['olga', 'portal'],
      ],
    );
    assert.ok(
      logins.every((e) => /127\.0\.0\.1$/.test(String(e.details.source))),
      'the source is the TCP peer as the real server saw it',
    );
  },
);
