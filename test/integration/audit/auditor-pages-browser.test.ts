/**
 * The auditor's pages in Chromium at a desktop (1280×800) and a phone (390×844) size, against a
 * real IT gateway on a loopback port whose audit log holds a day's work: alice's request approved
 * by olga three hours ago, then alice's session on hmi-1 today with a long command, and the same
 * grant used on plc-1. Checked in the browser:
 *  - no page is wider than the window (document scrollWidth <= innerWidth) at either size;
 *  - the search table has no JSON blob in a cell, times to the second with the zone named, and a
 *    details view per event with every field; the area, user and outcome filters work server-side;
 *  - the asset page names the requester and approver although the approval was before the range,
 *    and shows hmi-1 only;
 *  - the recordings list searches by user and filters by state;
 *  - the exports page of a four-eyes site says an export with recordings needs approval and
 *    refuses one without it.
 * Screenshots of every page at both sizes go to AIRLOCK_SCREENSHOTS (a directory), if set.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Page } from 'playwright-core';
import { formatLocalInput } from '../../../gateway-it/src/access/zoned-time.js';
import { systemClock, type Clock } from '../../../shared/src/clock.js';
import { sha256Hex } from '../../../shared/src/crypto/hash.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { asset } from '../../helpers/it-harness.js';
import { createUserNow } from '../../helpers/create-user-now.js';
import { launchChromium, loggedInPage } from '../../helpers/browser.js';
import { startLiveItGateway } from '../../helpers/live-it-gateway.js';

useCrypto();

const SITE = 'plant-1';
const ZONE = 'Europe/Berlin';
const SIZES = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;
const LONG_ARG = `--data=${'x'.repeat(240)}`;

/** The system clock, shifted while the fixture writes "earlier" events. */
function shiftedClock(): Clock & { offset: number } {
  const c = {
    offset: 0,
    now: () => Date.now() + c.offset,
    setTimeout: systemClock.setTimeout,
    setInterval: systemClock.setInterval,
  };
  return c;
}

async function widths(page: Page): Promise<{ scroll: number; inner: number }> {
  return page.evaluate<{ scroll: number; inner: number }>(
    '({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth })',
  );
}

test(
  'in Chromium: audit pages fit the window at 1280 and 390 px, show event details, filter, and keep four eyes on exports',
  { timeout: 180_000 },
  async (t) => {
    const dir = makeTempDir(t);
    const shots = process.env.AIRLOCK_SCREENSHOTS;
    const clock = shiftedClock();
    const gw = await startLiveItGateway(t, { dataDir: dir, clock });
    const s = gw.services;
    s.auth.userAdmin.createSite({ id: SITE, timezone: ZONE, displayName: 'Plant 1' }, 'cli:test');
    s.store.catalogue.replace(
      SITE,
      [asset('hmi-1', 'ssh', ['maintenance']), asset('plc-1', 'modbus', ['read-only'])],
      Date.now(),
    );
    const audrey = createUserNow(s.auth.userAdmin, {
      name: 'audrey',
      roles: [{ role: 'auditor', site: SITE }],
    });
    const olga = createUserNow(s.auth.userAdmin, {
      name: 'olga',
      roles: [{ role: 'ot-owner', site: SITE }],
    });

    // Three hours ago: alice asks, olga approves, the grant is issued.
    const audit = s.store.audit;
    clock.offset = -3 * 3_600_000;
    const base = { site: SITE, outcome: 'success' as const };
    audit.append({
      ...base,
      action: 'request.create',
      actor: 'alice',
      target: 'req_b1',
      details: { assets: ['hmi-1:maintenance', 'plc-1:read-only'], reason: 'recipe update' },
    });
    audit.append({
      ...base,
      action: 'request.approve',
      actor: 'olga',
      target: 'req_b1',
      details: { comment: 'with the shift lead', approvals: 1, required: 1 },
    });
    audit.append({
      ...base,
      action: 'grant.issue',
      actor: 'olga',
      target: 'grt_b1',
      details: { requestId: 'req_b1', assets: [{ asset: 'hmi-1', profile: 'maintenance' }] },
    });
    clock.offset = 0;
    // Today: the session on hmi-1 with a long command, and the same grant on plc-1.
    const onSession = (sessionId: string) => ({ sessionId, grantId: 'grt_b1' });
    audit.append({
      ...base,
      action: 'session.start',
      actor: 'alice',
      target: 'hmi-1',
      details: { ...onSession('ses_b1'), protocol: 'ssh', source: '127.0.0.1' },
    });
    audit.append({
      ...base,
      action: 'ssh.command',
      actor: 'alice',
      target: 'hmi-1',
      details: {
        ...onSession('ses_b1'),
        kind: 'exec',
        command: `deploy-recipe ${LONG_ARG}`,
        matched: { rule: 'allow-deploy', pattern: '^deploy-recipe( .*)?$' },
      },
    });
    audit.append({
      ...base,
      outcome: 'denied',
      action: 'ssh.command_deny',
      actor: 'alice',
      target: 'hmi-1',
      details: { ...onSession('ses_b1'), kind: 'line', command: 'sudo -i', rule: 'deny-sudo' },
    });
    audit.append({
      ...base,
      action: 'session.start',
      actor: 'alice',
      target: 'plc-1',
      details: { ...onSession('ses_b2'), protocol: 'modbus' },
    });
    audit.append({
      ...base,
      action: 'modbus.write',
      actor: 'alice',
      target: 'plc-1',
      details: { ...onSession('ses_b2'), unit: 1, address: 40001, value: 7 },
    });
    audit.append({
      ...base,
      action: 'session.end',
      actor: 'alice',
      target: 'hmi-1',
      details: onSession('ses_b1'),
    });
    // Recordings: alice's verified one (its file on disk), victor's still arriving.
    const cast = `${JSON.stringify({ version: 2, width: 80, height: 24 })}\n${JSON.stringify([0.1, 'o', 'ok\r\n'])}\n`;
    const castPath = s.recording.pathOf(SITE, 'ses_b1');
    mkdirSync(dirname(castPath), { recursive: true });
    writeFileSync(castPath, cast);
    const now = Date.now();
    s.store.recordings.create({
      sessionId: 'ses_b1',
      site: SITE,
      gatewayId: 'gw',
      asset: 'hmi-1',
      userName: 'alice',
      startedAt: now - 60_000,
      now,
    });
    s.store.recordings.finish('ses_b1', 'verified', cast.length, sha256Hex(cast), null, now);
    s.store.recordings.create({
      sessionId: 'ses_v1',
      site: SITE,
      gatewayId: 'gw',
      asset: 'plc-1',
      userName: 'victor',
      startedAt: now - 30_000,
      now,
    });
    s.recording.playback.setFourEyes(olga.user, SITE, true);

    const running = await gw.start();
    const browser = await launchChromium(t);
    const { page, consoleErrors } = await loggedInPage(browser, running.url, 'audrey', {
      password: audrey.password,
      totpSecret: audrey.totpSecret,
    });
    const url = (path: string) => `${running.url}${path}`;
    const range = `from=${encodeURIComponent(formatLocalInput(now - 4 * 3_600_000, ZONE))}&to=${encodeURIComponent(formatLocalInput(now + 60_000, ZONE))}`;

    /** Loads `path` at both sizes: no horizontal overflow; a screenshot of each if asked for. */
    const fits = async (name: string, path: string, before?: () => Promise<void>) => {
      for (const size of SIZES) {
        await page.setViewportSize({ width: size.width, height: size.height });
        await page.goto(url(path));
        await before?.();
        const w = await widths(page);
        t.diagnostic(`${name} at ${size.width}x${size.height}: ${w.scroll}px in ${w.inner}px`);
        assert.ok(
          w.scroll <= w.inner,
          `${name} at ${size.width}px: the page is ${w.scroll}px wide in a ${w.inner}px window`,
        );
        if (shots !== undefined) {
          mkdirSync(shots, { recursive: true });
          await page.screenshot({ path: join(shots, `${name}-${size.name}.png`), fullPage: true });
          // The first two screens on their own, readable at full size.
          await page.screenshot({
            path: join(shots, `${name}-${size.name}-top.png`),
            fullPage: true,
            clip: { x: 0, y: 0, width: size.width, height: size.height * 2 },
          });
        }
      }
    };
    const openAllDetails = async () => {
      await page.evaluate("for (const d of document.querySelectorAll('details')) d.open = true");
    };

    await t.test(
      'the search table: no JSON blob, seconds and the zone, a details view',
      async () => {
        await page.setViewportSize({ width: 1280, height: 800 });
        await page.goto(url(`/sites/${SITE}/audit?${range}`));
        const cells = await page.locator('table.events > tbody > tr > td').allInnerTexts();
        assert.ok(cells.length > 0);
        // A closed <details> shows only its summary: no cell carries the event's fields as text.
        assert.ok(
          cells.every((c) => !/[{}]|":/.test(c)),
          `a cell holds JSON: ${cells.find((c) => /[{}]|":/.test(c))}`,
        );
        assert.match(await page.locator('table.events th').first().innerText(), /Europe\/Berlin/);
        const times = await page.locator('table.events td:first-child time').allInnerTexts();
        assert.ok(
          times.every((x) => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(x)),
          times.join(),
        );
        // An asset links to its page; a request id is not an asset.
        assert.ok(
          (await page
            .locator('tr.event[data-action="session.start"] a[href*="/assets/hmi-1?"]')
            .count()) > 0,
        );
        assert.equal(
          await page.locator('tr.event[data-action="request.create"] a[href*="/assets/"]').count(),
          0,
        );
        const row = page.locator('tr.event[data-action="ssh.command"]');
        await row.locator('summary').click();
        const fields = row.locator('details > dl.fields');
        assert.ok(await fields.isVisible());
        const text = await fields.innerText();
        for (const f of ['command', 'sessionId', 'ses_b1', 'matched', 'allow-deploy', LONG_ARG])
          assert.ok(text.includes(f), `the details view shows ${f}`);
      },
    );

    await t.test('filters: area, user and outcome, applied by the server', async () => {
      await page.goto(url(`/sites/${SITE}/audit?${range}`));
      await page.selectOption('#area', 'ssh');
      await page.fill('#actor', 'alice');
      await Promise.all([page.waitForURL(/area=ssh/), page.click('form.search button')]);
      const actions = await page
        .locator('tr.event')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
      assert.deepEqual(actions.sort(), ['ssh.command', 'ssh.command_deny']);
      await page.selectOption('#outcome', 'denied');
      await Promise.all([page.waitForURL(/outcome=denied/), page.click('form.search button')]);
      assert.deepEqual(
        await page.locator('tr.event').evaluateAll((r) => r.map((x) => x.dataset.action)),
        ['ssh.command_deny'],
      );
      await page.goto(url(`/sites/${SITE}/audit?${range}&area=nope`));
      assert.match(await page.locator('main').innerText(), /area/);
    });

    await t.test(
      'the asset page: approver and requester from before the range; hmi-1 only',
      async () => {
        const after = `from=${encodeURIComponent(formatLocalInput(now - 3_600_000, ZONE))}&to=${encodeURIComponent(formatLocalInput(now + 60_000, ZONE))}`;
        await page.goto(url(`/sites/${SITE}/audit/assets/hmi-1?${after}`));
        const section = page.locator('section.session[data-session="ses_b1"]');
        const text = await section.innerText();
        assert.match(text, /for request req_b1 by alice/);
        assert.match(text, /approved by olga \(/);
        assert.equal(await page.locator('section.session').count(), 1);
        const main = await page.locator('main').innerText();
        assert.ok(!main.includes('plc-1') && !main.includes('ses_b2'), 'nothing of plc-1');
      },
    );

    await t.test('the recordings list: search by user, filter by state', async () => {
      await page.goto(url(`/sites/${SITE}/recordings`));
      const rows = () =>
        page.locator('tr.recording').evaluateAll((r) => r.map((x) => x.dataset.session));
      assert.deepEqual((await rows()).sort(), ['ses_b1', 'ses_v1']);
      await page.fill('#q', 'ALICE');
      await Promise.all([page.waitForURL(/q=ALICE/), page.click('form.filters button')]);
      assert.deepEqual(await rows(), ['ses_b1']);
      await page.fill('#q', '');
      await page.selectOption('#status', 'receiving');
      await Promise.all([page.waitForURL(/status=receiving/), page.click('form.filters button')]);
      assert.deepEqual(await rows(), ['ses_v1']);
    });

    await t.test(
      'exports at a four-eyes site: explained, refused without approval, asked',
      async () => {
        await page.goto(url(`/sites/${SITE}/exports`));
        assert.match(
          await page.locator('[data-gate="four_eyes_export"]').innerText(),
          /needs a second auditor or OT owner/,
        );
        await Promise.all([
          page.waitForURL(url(`/sites/${SITE}/exports`)),
          page.click('form[action$="/exports"] button[type=submit]'),
        ]);
        assert.match(
          await page.locator('.notice.error').innerText(),
          /requires a second person's approval for an export that carries recordings/,
        );
        await page.fill('#reason', 'evidence for INC-4711');
        await Promise.all([
          page.waitForURL(/notice=export-requested/),
          page.click('form[action$="/export-requests"] button'),
        ]);
        assert.equal(await page.locator('tr.export-request[data-state="pending"]').count(), 1);
        assert.equal(s.audit.exports.list(SITE).length, 0, 'nothing was exported');
      },
    );

    await t.test('every audit page fits the window at 1280×800 and 390×844', async () => {
      await fits('audit-search', `/sites/${SITE}/audit?${range}`, openAllDetails);
      await fits('audit-asset', `/sites/${SITE}/audit/assets/hmi-1?${range}`, openAllDetails);
      await fits('audit-exports', `/sites/${SITE}/exports`);
      await fits('audit-playback', `/sites/${SITE}/playback`);
      await fits('recordings', `/sites/${SITE}/recordings`);
      await fits('audit-home', '/audit');
    });
    // The refusals the test asks for (a bad area, an export without approval) are 400 and 403.
    assert.deepEqual(
      consoleErrors.filter((m) => !/status of (400|403)/.test(m)),
      [],
      'no CSP violation or script error',
    );
  },
);
