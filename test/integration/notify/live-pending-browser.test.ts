/**
 * The live "what waits" header in Chromium against a real IT gateway on loopback: an OT owner's
 * dashboard shows the count and the new request without a reload when an engineer's request is
 * created (server-sent events), and a command line held for review appears on the dashboard with
 * the time it will be denied. Screenshots at 1280×800 and 390×844 are checked for overflow.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { launchChromium, loggedInPage } from '../../helpers/browser.js';
import { asset } from '../../helpers/it-harness.js';
import { createUserNow } from '../../helpers/create-user-now.js';
import { startLiveItGateway } from '../../helpers/live-it-gateway.js';

useCrypto();

test(
  'in Chromium: the OT owner sees the waiting count and the new request appear without a reload; a held command shows on the dashboard',
  { timeout: 180_000 },
  async (t) => {
    const dir = makeTempDir(t);
    const gw = await startLiveItGateway(t, { dataDir: dir });
    const s = gw.services;
    s.auth.userAdmin.createSite({ id: 'plant-1', timezone: 'Europe/Berlin' }, 'cli:test');
    s.store.catalogue.replace('plant-1', [asset('hmi-1', 'ssh', ['maintenance'])], Date.now());
    const alice = createUserNow(s.auth.userAdmin, { name: 'alice', roles: [{ role: 'engineer' }] });
    const olga = createUserNow(s.auth.userAdmin, {
      name: 'olga',
      displayName: 'Olga Owner',
      roles: [{ role: 'ot-owner', site: 'plant-1' }],
    });
    const now = Date.now();
    s.access.windows.addWindow({ cli: 'cli:test' }, 'plant-1', {
      asset: null,
      label: 'test window',
      rule: { kind: 'once', start: now - 3_600_000, end: now + 3 * 3_600_000 },
    });
    const running = await gw.start();
    const base = `https://127.0.0.1:${running.httpsPort}`;
    const browser = await launchChromium(t);
    const { page, consoleErrors } = await loggedInPage(browser, base, 'olga', olga);
    await page.setViewportSize({ width: 1280, height: 800 });
    const badge = page.locator('header a.pending-count');
    // The first count arrived (page functions are strings here: the tests compile without DOM types).
    await page.waitForFunction(
      "document.querySelector('a.pending-count')?.hasAttribute('data-total')",
    );
    assert.equal(await badge.isHidden(), true, 'nothing waits yet');
    // A mark on this document: a reload would lose it.
    await page.evaluate('window.stayed = true');

    await s.access.requests.create(alice.user, {
      site: 'plant-1',
      assets: [{ asset: 'hmi-1', profile: 'maintenance' }],
      startsAt: Date.now(),
      endsAt: Date.now() + 3_600_000,
      reason: 'replace the HMI panel firmware',
    });
    await page.waitForSelector('header a.pending-count[data-total="1"]');
    assert.equal(await badge.textContent(), '1 waiting');
    await page.waitForSelector('main a[href="/inbox"]:has-text("1 request(s) wait")');

    // A line the site holds for review (as CommandReviews stores and audits it for a live session).
    const expiresAt = Date.now() + 120_000;
    s.store.db.transaction(() => {
      s.store.reviews.insert({
        id: 'rvw_test1',
        site: 'plant-1',
        reviewId: 'r1',
        sessionId: 'ses_1',
        asset: 'hmi-1',
        requesterId: alice.user.id,
        requesterName: 'alice',
        line: 'systemctl stop plc-bridge',
        why: 'matches a review rule',
        requestedAt: Date.now(),
        expiresAt,
      });
      s.store.audit.append({
        action: 'review.request',
        actor: 'gateway:plant-1',
        site: 'plant-1',
        target: 'hmi-1',
        outcome: 'success',
        details: {
          id: 'rvw_test1',
          reviewId: 'r1',
          sessionId: 'ses_1',
          requester: 'alice',
          expiresAt,
        },
      });
    })();
    await page.waitForSelector('header a.pending-count[data-total="2"]');
    const held = page.locator('main [data-held-review="rvw_test1"]');
    await held.waitFor();
    const text = (await held.textContent()) ?? '';
    assert.match(text, /Command held for your review: alice on plant-1\/hmi-1/);
    assert.match(text, /denied\s+automatically at \d{4}-\d\d-\d\d \d\d:\d\d Europe\/Berlin/);
    assert.equal(await page.evaluate('window.stayed'), true, 'no reload');
    for (const [w, hgt] of [
      [1280, 800],
      [390, 844],
    ] as const) {
      await page.setViewportSize({ width: w, height: hgt });
      await page.screenshot({ path: join(dir, `dashboard-${w}.png`) });
      const overflow = await page.evaluate(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      );
      assert.equal(overflow, 0, `no horizontal overflow at ${w}px`);
    }
    if (process.env['AIRLOCK_KEEP_SCREENSHOTS'] !== undefined)
      for (const w of [1280, 390])
        await page.screenshot({
          path: join(process.env['AIRLOCK_KEEP_SCREENSHOTS'], `notify-dashboard-${w}.png`),
        });

    // Her own e-mail settings, then a chat webhook of her site, through the pages.
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${base}/account/notifications`);
    await page.fill('#email', 'Olga@Plant.example');
    await page.check('input[name=kinds][value="request.created"]');
    await page.check('input[name=kinds][value="review.held"]');
    await Promise.all([
      page.waitForURL(/notice=notify-saved/),
      page.click('main button[type=submit]:has-text("Save")'),
    ]);
    assert.deepEqual(s.notify.settings.emailOf(olga.user, 'olga'), {
      email: 'olga@plant.example',
      kinds: ['request.created', 'review.held'],
    });
    assert.equal(await page.inputValue('#email'), 'olga@plant.example');
    await page.goto(`${base}/sites/plant-1/notifications`);
    await page.fill('#url', 'https://chat.example.com/webhookb2/T1/SECRETPART');
    await page.selectOption('#format', 'teams');
    await Promise.all([
      page.waitForURL(/notice=webhook-added/),
      page.click('button:has-text("Add webhook")'),
    ]);
    const row = (await page.textContent('main ul.webhooks')) ?? '';
    assert.match(row, /chat\.example\.com/);
    assert.match(row, /teams/);
    assert.ok(!(await page.content()).includes('SECRETPART'), 'the URL is not shown back');
    for (const path of ['/account/notifications', '/sites/plant-1/notifications'])
      for (const [w, hgt] of [
        [1280, 800],
        [390, 844],
      ] as const) {
        await page.setViewportSize({ width: w, height: hgt });
        await page.goto(`${base}${path}`);
        const overflow = await page.evaluate(
          'document.documentElement.scrollWidth - document.documentElement.clientWidth',
        );
        assert.equal(overflow, 0, `no horizontal overflow on ${path} at ${w}px`);
        if (process.env['AIRLOCK_KEEP_SCREENSHOTS'] !== undefined)
          await page.screenshot({
            path: join(
              process.env['AIRLOCK_KEEP_SCREENSHOTS'],
              `notify${path.replace(/\//g, '-')}-${w}.png`,
            ),
            fullPage: true,
          });
      }
    assert.deepEqual(consoleErrors, []);
  },
);
