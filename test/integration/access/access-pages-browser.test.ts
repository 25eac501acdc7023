/**
 * The pages this area touches, in Chromium at a desktop (1280×800) and a phone (390×844) size: no
 * horizontal overflow (document.documentElement.scrollWidth <= innerWidth) on the dashboard, the
 * request form with its quorum warning, a request and a grant page, the request and grant lists
 * with filters, the break-glass form after a refusal (what was typed kept), the sites pages as an
 * OT owner and as a vendor (who sees no addresses or owners), the inbox, the accounts list and a
 * site's policy learning page (a learn window, a proposal's diff and a replay refusal); and, on a
 * portal at https://localhost, an owner-signed site's approve form as its enrolled OT owner sees it.
 * Screenshots go to a temp dir (AIRLOCK_SCREENSHOTS=DIR keeps them for a person to judge).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { freePort } from '../../../image/demo/plant/free-port.js';
import { launchChromium, loggedInPage } from '../../helpers/browser.js';
import { createUserNow } from '../../helpers/create-user-now.js';
import { SITE, startIt, type ItFixture } from '../../helpers/link-fixture.js';
import { asset } from '../../helpers/it-harness.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';

useCrypto();

const SIZES = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;

/** Runs in the page (a string, so this Node project needs no DOM types). */
const WIDTHS = '({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth })';

async function judge(page: Page, base: string, path: string, shots: string, label: string) {
  const problems: string[] = [];
  for (const size of SIZES) {
    await page.setViewportSize({ width: size.width, height: size.height });
    const res = await page.goto(`${base}${path}`);
    assert.ok(res !== null && res.status() < 500, `${path}: ${res?.status()}`);
    const { scroll, inner } = await page.evaluate<{ scroll: number; inner: number }>(WIDTHS);
    await page.screenshot({ path: join(shots, `${label}-${size.name}.png`), fullPage: true });
    if (scroll > inner) problems.push(`${label} ${path} at ${size.name}: ${scroll} > ${inner}`);
  }
  return problems;
}

/** Where the screenshots go: AIRLOCK_SCREENSHOTS if set (kept), else a temp dir of the test. */
function shotsDir(t: TestContext): string {
  const shots = process.env.AIRLOCK_SCREENSHOTS ?? makeTempDir(t, 'airlock-shots-');
  mkdirSync(shots, { recursive: true });
  return shots;
}

/** A window of the site open from an hour ago for six hours, so requests need no schedule. */
function openTestWindow(it: ItFixture, now: number): void {
  it.gw.services.access.windows.addWindow({ cli: 'cli:test' }, SITE, {
    asset: null,
    label: 'test window',
    rule: { kind: 'once', start: now - 3_600_000, end: now + 6 * 3_600_000 },
  });
}

test(
  'in Chromium at 1280x800 and 390x844: the access pages never overflow sideways',
  { timeout: 240_000 },
  async (t) => {
    const shots = shotsDir(t);
    const it = await startIt(t);
    const s = it.gw.services;
    s.store.catalogue.replace(
      SITE,
      [
        asset('hmi-1', 'ssh', ['maintenance', 'read-only']),
        asset('plc-1', 'modbus', ['read-only', 'tuning']),
        asset('opc-1', 'opcua', ['read-only']),
      ],
      Date.now(),
    );
    const admin = s.auth.userAdmin;
    const alice = createUserNow(admin, {
      name: 'alice',
      roles: [{ role: 'engineer' }],
      canBreakGlass: true,
    });
    const olga = createUserNow(admin, { name: 'olga', roles: [{ role: 'ot-owner', site: SITE }] });
    const oscar = createUserNow(admin, {
      name: 'oscar',
      roles: [{ role: 'ot-owner', site: SITE }, { role: 'engineer' }],
    });
    const victor = createUserNow(admin, {
      name: 'victor',
      roles: [{ role: 'vendor' }],
      company: 'ACME Automation',
      contractEnd: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
    });
    const root = createUserNow(admin, { name: 'root', roles: [{ role: 'admin' }] });
    const now = Date.now();
    const cli = { cli: 'cli:test' };
    openTestWindow(it, now);
    s.access.windows.addSchedule(cli, SITE, {
      vendor: 'victor',
      asset: 'plc-1',
      profile: 'tuning',
      label: 'line speed tuning job',
      rule: { kind: 'once', start: now - 3_600_000, end: now + 6 * 3_600_000 },
    });
    s.access.policies.set(cli, SITE, { requiredApprovals: 2, ticketPattern: null });
    const long =
      'replace the HMI panel firmware on the packaging line after the vendor bulletin, with a long reason that must wrap';
    const r1 = await s.access.requests.create(alice.user, {
      site: SITE,
      assets: [
        { asset: 'hmi-1', profile: 'maintenance' },
        { asset: 'plc-1', profile: 'read-only' },
        { asset: 'opc-1', profile: 'read-only' },
      ],
      startsAt: now,
      endsAt: now + 3_600_000,
      reason: long,
    });
    await s.access.approvals.decide(olga.user, r1.id, 'approve', 'agreed with the shift lead');
    await s.access.approvals.decide(oscar.user, r1.id, 'approve', 'ok');
    const r2 = await s.access.requests.create(oscar.user, {
      site: SITE,
      assets: [{ asset: 'hmi-1', profile: 'read-only' }],
      startsAt: now,
      endsAt: now + 3_600_000,
      reason: 'check the alarm history',
    });
    assert.equal(r2.quorum.canBeMet, false);
    const grantId = s.access.requests.get(alice.user, r1.id).grantId ?? '';
    // What the OT gateway publishes for the learning page: one profile learning, one proposal with
    // its diff and a replay refusal (long lines, to see them wrap).
    s.sites.updateLearning(SITE, 'gw-1', {
      policySha256: 'a'.repeat(64),
      profiles: [
        {
          asset: 'plc-1',
          profile: 'tuning',
          window: { until: now + 3_600_000, startedAt: now - 600_000, startedBy: 'cli:olga' },
          proposal: null,
        },
        {
          asset: 'opc-1',
          profile: 'read-only',
          window: null,
          proposal: {
            id: 'prp_1',
            createdAt: now - 60_000,
            createdBy: 'cli:olga',
            appliedAt: null,
            basePolicySha256: 'b'.repeat(64),
            review: {
              operations: 12,
              added: 1,
              removed: 2,
              diff: [
                '- { "node": "s=Line1.Temperature", "access": "read" }',
                '+ { "node": "s=Line1.Setpoint", "access": "write", "dataType": "Double", "min": 85.5, "max": 100 }',
              ],
              replay: {
                since: now - 86_400_000,
                replayed: 40,
                refusedTotal: 1,
                refused: [
                  {
                    at: now - 3_600_000,
                    source: 'audit',
                    seq: 17,
                    sessionId: 'ses_0123456789abcdef',
                    operation:
                      'write ns=2;s=Line1.Setpoint Double = 101.25 (outside the proposed bounds)',
                    rule: 'opc-1/read-only',
                    reason: 'Line1.Setpoint 101.25 is above the proposed maximum 100',
                  },
                ],
              },
            },
          },
        },
      ],
    });

    const browser = await launchChromium(t);
    const base = it.running.url;
    const problems: string[] = [];
    const a = await loggedInPage(browser, base, 'alice', alice);
    for (const [label, path] of [
      ['dashboard', '/'],
      ['request', `/requests/${r1.id}`],
      ['grant', `/grants/${grantId}`],
      ['requests-list', '/requests?q=panel&status=approved'],
      ['grants-list', '/grants?state=active'],
      ['sites', '/sites'],
      ['site', `/sites/${SITE}`],
      ['break-glass', `/break-glass?site=${SITE}`],
      ['ssh-keys', '/account/ssh-keys'],
      ['passkeys', '/account/passkeys'],
      ['notifications', '/account/notifications'],
    ] as const)
      problems.push(...(await judge(a.page, base, path, shots, `alice-${label}`)));
    // A refused break-glass re-renders the form with what was typed.
    await a.page.setViewportSize({ width: 390, height: 844 });
    await a.page.goto(`${base}/break-glass?site=${SITE}`);
    await a.page.selectOption('select[data-asset="hmi-1"]', 'hmi-1:maintenance');
    await a.page.fill('#justification', 'pump P-101 tripped, the operator needs the HMI now');
    // Past the browser's own check (max=240), as a script or an old form would send it.
    await a.page.evaluate(
      "{ const d = document.querySelector('#durationMinutes'); d.removeAttribute('max'); d.value = '300'; }",
    );
    await Promise.all([
      a.page.waitForURL(`${base}/break-glass`),
      a.page.click('form[action="/break-glass"] button[type=submit]'),
    ]);
    assert.match((await a.page.textContent('main')) ?? '', /durationMinutes must be 5 to 240/);
    assert.equal(await a.page.inputValue('#durationMinutes'), '300');
    assert.equal(await a.page.getAttribute('#durationMinutes', 'max'), '240');
    assert.match(await a.page.inputValue('#justification'), /pump P-101 tripped/);
    assert.equal(await a.page.inputValue('select[data-asset="hmi-1"]'), 'hmi-1:maintenance');
    const w = await a.page.evaluate<{ scroll: number; inner: number }>(WIDTHS);
    assert.ok(w.scroll <= w.inner, 'break-glass error page at phone size');
    await a.page.screenshot({ path: join(shots, 'alice-break-glass-refused-phone.png') });

    const o = await loggedInPage(browser, base, 'oscar', oscar);
    for (const [label, path] of [
      ['request-form', `/requests/new?site=${SITE}`],
      ['own-request', `/requests/${r2.id}`],
      ['inbox', '/inbox'],
      ['sessions', `/sites/${SITE}/sessions?protocol=ssh`],
    ] as const)
      problems.push(...(await judge(o.page, base, path, shots, `oscar-${label}`)));
    await o.page.goto(`${base}/requests/new?site=${SITE}`);
    assert.match(
      (await o.page.textContent('.quorum-warning')) ?? '',
      /only 1 more person\(s\) other than the requester/,
    );

    const ol = await loggedInPage(browser, base, 'olga', olga);
    problems.push(
      ...(await judge(ol.page, base, `/sites/${SITE}/learning`, shots, 'olga-learning')),
    );
    assert.match((await ol.page.textContent('main')) ?? '', /prp_1/);

    const v = await loggedInPage(browser, base, 'victor', victor);
    for (const [label, path] of [
      ['sites', '/sites'],
      ['site', `/sites/${SITE}`],
      ['request-form', `/requests/new?site=${SITE}`],
    ] as const) {
      problems.push(...(await judge(v.page, base, path, shots, `victor-${label}`)));
      const text = (await v.page.textContent('main')) ?? '';
      assert.doesNotMatch(text, /127\.0\.0\.1|olga|oscar|hmi-1|opc-1/, `victor ${path}`);
    }

    const r = await loggedInPage(browser, base, 'root', root);
    problems.push(
      ...(await judge(r.page, base, '/admin/users?role=ot-owner', shots, 'root-users')),
    );
    assert.deepEqual(problems, []);
    // The refused break-glass answers 400 on purpose; nothing else may log an error.
    const expected400 = /status of 400/;
    assert.equal(a.consoleErrors.filter((e) => expected400.test(e)).length, 1);
    assert.deepEqual(
      [
        ...a.consoleErrors.filter((e) => !expected400.test(e)),
        ...o.consoleErrors,
        ...v.consoleErrors,
        ...r.consoleErrors,
        ...ol.consoleErrors,
      ],
      [],
    );
  },
);

test(
  "in Chromium at 1280x800 and 390x844: an owner-signed site's approve form fits",
  { timeout: 120_000 },
  async (t) => {
    const shots = shotsDir(t);
    // Passkeys need the portal at https://localhost (WebAuthn refuses an IP address).
    const port = await freePort();
    const it = await startIt(t, { port, publicUrl: `https://localhost:${port}` });
    const s = it.gw.services;
    s.store.catalogue.replace(SITE, [asset('hmi-1', 'ssh', ['maintenance'])], Date.now());
    const alice = createUserNow(s.auth.userAdmin, { name: 'alice', roles: [{ role: 'engineer' }] });
    const olga = createUserNow(s.auth.userAdmin, {
      name: 'olga',
      roles: [{ role: 'ot-owner', site: SITE }],
    });
    const now = Date.now();
    openTestWindow(it, now);
    // As the site's OT gateway publishes it: owner-signed, olga enrolled with one passkey.
    s.store.ownerApprovals.putSiteApprovals(
      SITE,
      {
        mode: 'owner-signed',
        quorum: 1,
        breakGlassAssets: null,
        owners: [{ name: 'olga', credentialIds: ['b2xnYS1wYXNza2V5LTE'] }],
      },
      now,
    );
    const r = await s.access.requests.create(alice.user, {
      site: SITE,
      assets: [{ asset: 'hmi-1', profile: 'maintenance' }],
      startsAt: now,
      endsAt: now + 3_600_000,
      reason: 'replace the HMI panel firmware after the vendor bulletin',
    });

    const browser = await launchChromium(t);
    const base = `https://localhost:${port}`;
    const o = await loggedInPage(browser, base, 'olga', olga);
    const problems = await judge(o.page, base, `/requests/${r.id}`, shots, 'olga-signed-approve');
    assert.equal(await o.page.locator('form#signed-approve').count(), 1, 'the signed approve form');
    assert.deepEqual(problems, []);
    assert.deepEqual(o.consoleErrors, []);
  },
);
