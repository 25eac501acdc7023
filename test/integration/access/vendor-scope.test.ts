/**
 * A vendor sees only their job (access/scope.ts), the same through the API and the portal: the
 * assets and profiles their schedules name, no plant addresses or ports, no OT owners' names, only
 * the windows of their assets, approvers shown by role; and cannot pick anything else (refused as
 * if absent). An engineer still sees the whole site.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import type { WindowRule } from '../../../gateway-it/src/access/access.js';
import { startHarness } from '../../helpers/it-harness.js';
import { seedPlant } from './plant-fixture.js';
import { portalLogin } from './portal-client.js';

useCrypto();

test(
  'vendor: only scheduled assets and profiles, no addresses, no people, same in API and portal',
  { timeout: 90_000 },
  async (t) => {
    const h = await startHarness(t);
    const p = await seedPlant(h);
    const w = h.gw.services.access.windows;
    const weekdays: WindowRule = {
      kind: 'weekly',
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      start: '08:00',
      end: '18:00',
    };
    w.addSchedule({ cli: 'cli:test' }, 'plant-1', {
      vendor: 'victor',
      asset: 'hmi-1',
      profile: 'maintenance',
      label: 'panel firmware job',
      rule: weekdays,
    });
    w.addWindow({ cli: 'cli:test' }, 'plant-1', {
      asset: 'plc-1',
      label: 'plc tuning window',
      rule: weekdays,
    });
    const victor = await p.token('victor');

    const sites = await h.call('GET', '/api/v1/sites', { token: victor });
    assert.equal(sites.status, 200);
    assert.deepEqual(
      sites.json.map((s: { id: string }) => s.id),
      ['plant-1'],
    );
    const site = sites.json[0];
    assert.equal(site.jobScoped, true);
    assert.deepEqual(
      site.assets.map((a: { name: string; profiles: { name: string }[] }) => [
        a.name,
        a.profiles.map((x) => x.name),
      ]),
      [['hmi-1', ['maintenance']]],
    );
    assert.ok(!('address' in site.assets[0]) && !('servicePort' in site.assets[0]));
    assert.ok(!('owners' in site));
    assert.doesNotMatch(sites.text, /127\.0\.0\.1|olga|oscar|plc-1/);

    const windows = await h.call('GET', '/api/v1/sites/plant-1/windows', { token: victor });
    assert.deepEqual(
      windows.json.map((x: { label: string }) => x.label),
      ['weekday daytime'],
    );
    assert.equal(windows.json[0].createdBy, 'an OT owner');

    const otherAsset = await h.call('POST', '/api/v1/requests', {
      token: victor,
      body: p.requestBody(10, 70, { assets: [{ asset: 'plc-1', profile: 'read-only' }] }),
    });
    assert.equal(otherAsset.status, 400);
    assert.match(otherAsset.json.error.message, /site plant-1 has no asset plc-1/);
    const otherProfile = await h.call('POST', '/api/v1/requests', {
      token: victor,
      body: p.requestBody(10, 70, { assets: [{ asset: 'hmi-1', profile: 'read-only' }] }),
    });
    assert.equal(otherProfile.status, 400);
    assert.match(otherProfile.json.error.message, /hmi-1 offers maintenance, not read-only/);

    const made = await h.call('POST', '/api/v1/requests', {
      token: victor,
      body: p.requestBody(10, 70),
    });
    assert.equal(made.status, 201, made.text);
    const approve = await h.call('POST', `/api/v1/requests/${made.json.id}/decision`, {
      token: await p.token('olga'),
      body: { decision: 'approve', comment: 'ok for the firmware job' },
    });
    assert.equal(approve.json.outcome, 'granted');
    const seen = await h.call('GET', `/api/v1/requests/${made.json.id}`, { token: victor });
    assert.equal(seen.json.decisions[0].approver, 'an OT owner');
    const grant = await h.call('GET', `/api/v1/grants/${approve.json.grantId}`, { token: victor });
    assert.deepEqual(grant.json.approvers, ['an OT owner']);
    assert.doesNotMatch(seen.text + grant.text, /olga/);

    const c = await portalLogin(h, p.users.victor);
    for (const path of [
      '/sites',
      '/sites/plant-1',
      '/requests/new?site=plant-1',
      `/requests/${made.json.id}`,
      `/grants/${approve.json.grantId}`,
      '/',
    ]) {
      const page = await c.get(path);
      assert.equal(page.status, 200, path);
      assert.doesNotMatch(page.text, /127\.0\.0\.1:|olga|oscar|plc-1|read-only/, path);
    }
    const form = await c.get('/requests/new?site=plant-1');
    assert.match(form.text, /value="hmi-1:maintenance"/);

    // An engineer still sees the whole site, addresses and owners.
    const alice = await h.call('GET', '/api/v1/sites/plant-1', { token: await p.token('alice') });
    assert.equal(alice.json.jobScoped, false);
    assert.deepEqual(alice.json.owners, ['olga', 'oscar']);
    assert.equal(alice.json.assets.length, 2);
    assert.equal(alice.json.assets[0].address, '127.0.0.1');
  },
);
