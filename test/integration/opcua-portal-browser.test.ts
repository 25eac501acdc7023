/**
 * The portal's OPC UA page in a real browser (Debian's Chromium, headless) through both real
 * gateways (HTTPS and the link on 127.0.0.1) to the simulated plant server: alice logs in with
 * TOTP, follows the dashboard's link to opc-1's points, sees only her profile's nodes with their
 * values, writes the setpoint with the page's own form (which lands on the plant), and an
 * out-of-bounds value is shown as refused by the OT gateway while the plant keeps its value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, loggedInPage, submitAndWait } from '../helpers/browser.js';
import { useCrypto } from '../../shared/src/testing/crypto.js';
import { SITE } from '../helpers/link-fixture.js';
import { startOpcuaSite } from '../helpers/opcua-site.js';
import { waitFor } from '../helpers/wait-for.js';

useCrypto();

test(
  'in Chromium: the OPC UA page lists the allowed points and writes the setpoint through both gateways; an out-of-bounds write is shown refused',
  { timeout: 180_000 },
  async (t) => {
    const { plant, it } = await startOpcuaSite(t);
    const s = it.gw.services;
    await waitFor('the site catalogue', () => s.store.catalogue.get(SITE, 'opc-1') !== undefined);
    const alice = await s.auth.userAdmin.createUser(
      { name: 'alice', roles: [{ role: 'engineer' }] },
      'cli:test',
    );
    const olga = (
      await s.auth.userAdmin.createUser(
        { name: 'olga', roles: [{ role: 'ot-owner', site: SITE }] },
        'cli:test',
      )
    ).user;
    const now = Date.now();
    s.access.windows.addWindow({ cli: 'cli:test' }, SITE, {
      asset: null,
      label: 'test window',
      rule: { kind: 'once', start: now - 3_600_000, end: now + 3_600_000 },
    });
    const req = await s.access.requests.create(alice.user, {
      site: SITE,
      assets: [{ asset: 'opc-1', profile: 'maintenance' }],
      startsAt: now,
      endsAt: now + 3_600_000,
      reason: 'tune Line 1',
    });
    assert.ok((await s.access.approvals.decide(olga, req.id, 'approve', 'ok')).grantId !== null);
    const base = it.running.url;

    const browser = await launchChromium(t);
    const { page, consoleErrors } = await loggedInPage(browser, base, 'alice', alice);
    await Promise.all([
      page.waitForURL(`${base}/assets/${SITE}/opc-1/opcua`),
      page.click(`a[href="/assets/${SITE}/opc-1/opcua"]`),
    ]);
    const nodes = await page
      .locator('tr[data-node]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-node')));
    assert.deepEqual(nodes, ['s=Plant', 's=Line1', 's=Line1.Temperature', 's=Line1.Setpoint']);
    assert.equal(
      (await page.locator('tr[data-node="s=Line1.Temperature"] td.value').textContent())?.trim(),
      '72.3',
    );
    assert.equal(
      await page.locator('tr[data-node="s=Line1.Temperature"] form').count(),
      0,
      'a read-only point has no write form',
    );

    const write = async (value: string): Promise<string> => {
      const row = page.locator('tr[data-node="s=Line1.Setpoint"]');
      await row.locator('input[name="value"]').fill(value);
      await submitAndWait(page, row.locator('button[type=submit]'));
      assert.equal(page.url(), `${base}/assets/${SITE}/opc-1/opcua/write`);
      return (await page.locator('[data-write-status]').getAttribute('data-write-status')) ?? '';
    };
    assert.equal(await write('42.5'), 'Good');
    assert.match(
      (await page.locator('[data-write-status]').textContent()) ?? '',
      /Read back: 42\.5\./,
    );
    assert.equal(plant.valueOf('setpoint'), 42.5, 'the write from the browser landed on the plant');
    assert.equal(
      (await page.locator('tr[data-node="s=Line1.Setpoint"] td.value').textContent())?.trim(),
      '42.5',
      'the page shows the new value',
    );

    assert.equal(await write('95'), 'BadUserAccessDenied');
    assert.match(
      (await page.locator('[data-write-status]').textContent()) ?? '',
      /NOT done: BadUserAccessDenied\. The OT gateway refused it/,
    );
    assert.equal(plant.valueOf('setpoint'), 42.5, 'the refused write did not reach the plant');

    assert.deepEqual(
      consoleErrors.filter((e) => !/403/.test(e)),
      [],
      'no script errors on the page',
    );
    await waitFor('every portal session ended', () => s.sessions.live.size === 0);
  },
);
