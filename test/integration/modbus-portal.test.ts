/**
 * The portal's Modbus points page through both gateways: an in-process IT and OT gateway linked on
 * 127.0.0.1, the OT gateway with its real Modbus broker and the plc-1 policy, the simulated PLC
 * behind it, and a real grant (request, approval, maintenance window). The page is fetched over
 * HTTPS with a portal session: it lists the profile's points and reads them; an allowed write lands
 * on the PLC and the OT audit has old and new value; a write outside policy shows the broker's
 * exception and leaves the PLC alone; bad input, a missing CSRF token and a user without a grant
 * are refused, and nothing of theirs reaches the site.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startModbusPlc } from '../../image/demo/plant/modbus-plc.js';
import { useCrypto } from '../../shared/src/testing/crypto.js';
import { pinnedRequest, type HttpResult } from '../helpers/https-client.js';
import {
  auditActions,
  SITE,
  startIt,
  startOt,
  waitForSiteConnected,
} from '../helpers/link-fixture.js';
import { waitFor } from '../helpers/wait-for.js';
import { plc1Asset } from '../../image/demo/plant/plc-1-policy.js';

useCrypto();

/** The value cell of a point row (`<td>HR 40001</td><td>0</td><td>1450</td>`). */
function cell(html: string, point: string): string | undefined {
  return new RegExp(`<td>${point}</td><td>\\d+</td><td>(.*?)</td>`).exec(html)?.[1];
}

test(
  'Modbus points page through both gateways: list, read, allowed and refused writes, CSRF, no grant',
  { timeout: 60_000 },
  async (t) => {
    const plc = await startModbusPlc({ driftIntervalMs: 0 });
    t.after(() => plc.close());
    const it = await startIt(t);
    const ot = await startOt(t, {
      enrollWith: it,
      policy: { assets: { 'plc-1': plc1Asset(plc.port) } },
    });
    const s = it.gw.services;
    await waitFor(
      'the site online with its catalogue',
      () =>
        s.links.get(SITE).state === 'online' && s.store.catalogue.get(SITE, 'plc-1') !== undefined,
    );

    const alice = (
      await s.auth.userAdmin.createUser(
        { name: 'alice', roles: [{ role: 'engineer' }] },
        'cli:test',
      )
    ).user;
    const bob = (
      await s.auth.userAdmin.createUser({ name: 'bob', roles: [{ role: 'engineer' }] }, 'cli:test')
    ).user;
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
    const req = await s.access.requests.create(alice, {
      site: SITE,
      assets: [{ asset: 'plc-1', profile: 'maintenance' }],
      startsAt: now,
      endsAt: now + 3_000_000,
      reason: 'tune the line speed setpoint',
    });
    assert.notEqual((await s.access.approvals.decide(olga, req.id, 'approve', 'ok')).grantId, null);
    await waitForSiteConnected(it);

    const base = it.running.url;
    const origin = new URL(base).origin;
    const web = (id: typeof alice.id) => s.auth.sessions.issue(id, 'web', '127.0.0.1');
    const a = web(alice.id);
    const cookie = (secret: string) => `__Host-airlock-session=${secret}`;
    const get = (path: string, secret: string): Promise<HttpResult> =>
      pinnedRequest(`${base}${path}`, it.running.tlsFingerprint, {
        headers: { cookie: cookie(secret) },
      });
    const post = (
      path: string,
      secret: string,
      fields: Record<string, string>,
    ): Promise<HttpResult> =>
      pinnedRequest(`${base}${path}`, it.running.tlsFingerprint, {
        method: 'POST',
        headers: {
          cookie: cookie(secret),
          origin,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams(fields).toString(),
      });
    const points = '/assets/plant-1/plc-1/points';
    const otSessions = () => auditActions(ot.gw).filter((e) => e.action === 'session.start').length;

    await t.test(
      'the catalogue carries the profile points, and the dashboard links the page',
      async () => {
        const maint = s.store.catalogue
          .get(SITE, 'plc-1')
          ?.profiles.find((p) => p.name === 'maintenance');
        assert.deepEqual(maint?.modbus?.tables.holdingRegisters?.write[0], {
          from: 0,
          to: 0,
          min: 0,
          max: 1800,
          signed: false,
        });
        assert.deepEqual(maint?.modbus?.unitIds, [1]);
        const dash = await get('/', a.secret);
        assert.equal(dash.status, 200);
        assert.match(dash.body, /href="\/assets\/plant-1\/plc-1\/points"/);
      },
    );

    await t.test(
      'the page lists the allowed points and reads their values from the PLC',
      async () => {
        const r = await get(points, a.secret);
        assert.equal(r.status, 200, r.body);
        assert.equal(cell(r.body, 'HR 40001'), '1450');
        assert.equal(cell(r.body, 'HR 40003'), '420');
        assert.equal(cell(r.body, 'IR 30001'), '723');
        assert.equal(cell(r.body, 'CO 00001'), '1 (on)');
        assert.equal(cell(r.body, 'DI 10003'), '0 (off)');
        assert.equal(cell(r.body, 'HR 40020'), '3');
        assert.equal(
          cell(r.body, 'HR 40021'),
          undefined,
          'HR 40021 is outside the profile and not listed',
        );
        assert.match(r.body, /name="address" value="0"/, 'HR 40001 has a write form');
        assert.match(r.body, /0\.\.1800/);
        await waitFor(
          'the page session to end on both sides',
          () =>
            s.sessions?.live.size === 0 &&
            auditActions(ot.gw).some((e) => e.action === 'modbus.reads'),
        );
      },
    );

    await t.test(
      'an allowed write lands on the PLC and is audited on the OT side with old and new value',
      async () => {
        const r = await post(points, a.secret, {
          _csrf: a.csrfToken ?? '',
          unit: '1',
          table: 'holdingRegisters',
          address: '0',
          value: '1350',
        });
        assert.equal(r.status, 200, r.body);
        assert.match(r.body, /Written: HR 40001 = 1350, confirmed by the device/);
        assert.equal(cell(r.body, 'HR 40001'), '1350', 'read back in the same session');
        assert.equal(plc.getHoldingRegister(0), 1350);
        const written = auditActions(ot.gw).filter((e) => e.action === 'modbus.write');
        assert.deepEqual(
          written.map((e) => e.details.changes),
          [['HR 40001: 1450 → 1350']],
        );
        const coil = await post(points, a.secret, {
          _csrf: a.csrfToken ?? '',
          unit: '1',
          table: 'coils',
          address: '11',
          value: '0',
        });
        assert.match(coil.body, /Written: CO 00012 = 0/);
        assert.equal(plc.getCoil(11), false);
        const signed = await post(points, a.secret, {
          _csrf: a.csrfToken ?? '',
          unit: '1',
          table: 'holdingRegisters',
          address: '1',
          value: '-150',
        });
        assert.match(signed.body, /Written: HR 40002 = -150, confirmed/);
        assert.equal(cell(signed.body, 'HR 40002'), '-150', 'a signed register is shown signed');
        assert.equal((plc.getHoldingRegister(1) << 16) >> 16, -150);
      },
    );

    await t.test(
      'a write outside policy shows the exception by name and the PLC value is unchanged',
      async () => {
        const above = await post(points, a.secret, {
          _csrf: a.csrfToken ?? '',
          unit: '1',
          table: 'holdingRegisters',
          address: '0',
          value: '1900',
        });
        assert.equal(above.status, 200);
        assert.match(
          above.body,
          /Write refused: HR 40001 = 1900 was not written; exception 03 illegal data value/,
        );
        assert.doesNotMatch(above.body, /Written:/);
        const elsewhere = await post(points, a.secret, {
          _csrf: a.csrfToken ?? '',
          unit: '1',
          table: 'holdingRegisters',
          address: '5',
          value: '7',
        });
        assert.match(elsewhere.body, /exception 02 illegal data address/);
        assert.equal(plc.getHoldingRegister(0), 1350);
        assert.equal(plc.getHoldingRegister(5), 30);
        const denials = auditActions(ot.gw).filter((e) => e.action === 'modbus.deny');
        assert.deepEqual(
          denials.map((e) => [e.details.rule, e.details.exception]),
          [
            ['value', '03'],
            ['address', '02'],
          ],
        );
      },
    );

    await t.test(
      'bad input and a missing CSRF token are refused before any session opens',
      async () => {
        const before = otSessions();
        const text = await post(points, a.secret, {
          _csrf: a.csrfToken ?? '',
          unit: '1',
          table: 'holdingRegisters',
          address: '0',
          value: 'lots',
        });
        assert.equal(text.status, 400);
        assert.match(text.body, /value: a register takes a whole number 0\.\.65535/);
        const coil = await post(points, a.secret, {
          _csrf: a.csrfToken ?? '',
          unit: '1',
          table: 'coils',
          address: '11',
          value: '2',
        });
        assert.equal(coil.status, 400);
        assert.match(coil.body, /value: a coil takes 0 \(off\) or 1 \(on\)/);
        const table = await post(points, a.secret, {
          _csrf: a.csrfToken ?? '',
          unit: '1',
          table: 'inputRegisters',
          address: '0',
          value: '1',
        });
        assert.equal(table.status, 400);
        assert.match(table.body, /table: only coils and holding registers can be written/);
        const noCsrf = await post(points, a.secret, {
          unit: '1',
          table: 'holdingRegisters',
          address: '0',
          value: '1000',
        });
        assert.equal(noCsrf.status, 403);
        assert.match(noCsrf.body, /CSRF/);
        assert.equal(otSessions(), before, 'nothing reached the site');
        assert.equal(plc.getHoldingRegister(0), 1350);
      },
    );

    await t.test(
      'a user without a grant is refused (audited) and nothing reaches the site',
      async () => {
        const before = otSessions();
        const b = web(bob.id);
        const r = await get(points, b.secret);
        assert.equal(r.status, 403);
        assert.match(r.body, /no grant for plc-1/);
        const w = await post(points, b.secret, {
          _csrf: b.csrfToken ?? '',
          unit: '1',
          table: 'holdingRegisters',
          address: '0',
          value: '1000',
        });
        assert.equal(w.status, 403);
        assert.equal(plc.getHoldingRegister(0), 1350);
        assert.equal(otSessions(), before);
        const denied = [...s.store.audit.iterate()].filter(
          (e) => e.action === 'session.deny' && e.actor === 'bob',
        );
        assert.equal(denied.length, 2);
        const anon = await pinnedRequest(`${base}${points}`, it.running.tlsFingerprint);
        assert.equal(anon.status, 303, 'no portal session: sent to the login page');
      },
    );
  },
);
