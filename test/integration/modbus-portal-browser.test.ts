/**
 * The portal's Modbus points page in a real browser (Debian's Chromium, headless) through both real
 * gateways (HTTPS and the link on 127.0.0.1) to the simulated PLC: alice logs in with TOTP, follows
 * the dashboard's link to plc-1's points, sees the values read from the PLC, writes a holding
 * register with the page's own form (it lands on the PLC), and a value outside the profile's bounds
 * is shown refused with the broker's exception while the PLC keeps its value.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { launchChromium, loggedInPage, submitAndWait } from '../helpers/browser.js';
import { useCrypto } from '../../shared/src/testing/crypto.js';
import { SITE, startIt, startOt, waitForSiteConnected } from '../helpers/link-fixture.js';
import { waitFor } from '../helpers/wait-for.js';
import { plc1Asset } from '../../image/demo/plant/plc-1-policy.js';
import { startModbusPlc } from '../../image/demo/plant/modbus-plc.js';

useCrypto();

test(
  'in Chromium: the Modbus points page reads the PLC and writes a register through both gateways; an out-of-bounds write is shown refused',
  { timeout: 180_000 },
  async (t) => {
    const plc = await startModbusPlc({ driftIntervalMs: 0 });
    t.after(() => plc.close());
    const it = await startIt(t);
    await startOt(t, { enrollWith: it, policy: { assets: { 'plc-1': plc1Asset(plc.port) } } });
    const s = it.gw.services;
    await waitFor('the site catalogue', () => s.store.catalogue.get(SITE, 'plc-1') !== undefined);
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
      assets: [{ asset: 'plc-1', profile: 'maintenance' }],
      startsAt: now,
      endsAt: now + 3_000_000,
      reason: 'tune the line speed setpoint',
    });
    assert.notEqual((await s.access.approvals.decide(olga, req.id, 'approve', 'ok')).grantId, null);
    await waitForSiteConnected(it);
    const base = it.running.url;
    const page = `${base}/assets/${SITE}/plc-1/points`;

    const browser = await launchChromium(t);
    const { page: p, consoleErrors } = await loggedInPage(browser, base, 'alice', alice);
    await Promise.all([p.waitForURL(page), p.click(`a[href="/assets/${SITE}/plc-1/points"]`)]);
    const value = async (point: string): Promise<string | undefined> =>
      (
        await p
          .locator('tr', { has: p.locator('td', { hasText: new RegExp(`^${point}$`) }) })
          .locator('td')
          .nth(2)
          .textContent()
      )?.trim();
    assert.equal(await value('HR 40001'), '1450', 'read from the PLC through both gateways');
    assert.equal(await value('IR 30001'), '723');

    const write = async (label: string, v: string): Promise<string> => {
      await p.getByLabel(label).fill(v);
      await submitAndWait(
        p,
        p.getByLabel(label).locator('xpath=..').locator('button[type=submit]'),
      );
      return (await p.locator('p.notice').first().textContent()) ?? '';
    };
    assert.match(
      await write('new value of HR 40001', '1500'),
      /Written: HR 40001 = 1500, confirmed by the device/,
    );
    assert.equal(plc.getHoldingRegister(0), 1500, 'the write from the browser landed on the PLC');
    assert.equal(await value('HR 40001'), '1500', 'the page shows the value read back');

    assert.match(
      await write('new value of HR 40001', '1900'),
      /Write refused: HR 40001 = 1900 was not written; exception 03 illegal data value/,
    );
    assert.equal(plc.getHoldingRegister(0), 1500, 'the refused write did not reach the PLC');

    assert.deepEqual(consoleErrors, [], 'no script or CSP errors on the page');
    await waitFor('every portal session ended', () => s.sessions?.live.size === 0);
  },
);
