/**
 * Search and filters on the requests, grants and accounts lists, in the API and the portal: the
 * query is parsed at the boundary (an unknown parameter or value is a 400 naming it), applied on
 * the server, and never widens what the caller may see.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { startHarness } from '../../helpers/it-harness.js';
import { seedPlant } from './plant-fixture.js';
import { portalLogin } from './portal-client.js';

useCrypto();

test(
  'lists: q, status/state, site and role filters in API and portal; bad parameters refused',
  { timeout: 90_000 },
  async (t) => {
    const h = await startHarness(t);
    const p = await seedPlant(h);
    const alice = await p.token('alice');
    const bob = await p.token('bob');
    const mk = async (token: string, reason: string, asset = 'hmi-1', profile = 'maintenance') => {
      const r = await h.call('POST', '/api/v1/requests', {
        token,
        body: p.requestBody(10, 70, { reason, assets: [{ asset, profile }] }),
      });
      assert.equal(r.status, 201, r.text);
      return r.json.id as string;
    };
    const firmware = await mk(alice, 'update the panel firmware');
    await mk(alice, 'read PLC counters', 'plc-1', 'read-only');
    const bobs = await mk(bob, 'calibrate the panel');
    const olga = await p.token('olga');
    await h.call('POST', `/api/v1/requests/${firmware}/decision`, {
      token: olga,
      body: { decision: 'approve', comment: 'ok' },
    });

    const mine = await h.call('GET', '/api/v1/requests?q=FIRMWARE', { token: alice });
    assert.deepEqual(
      mine.json.map((r: { id: string }) => r.id),
      [firmware],
    );
    const pending = await h.call('GET', '/api/v1/requests?status=pending', { token: alice });
    assert.deepEqual(
      pending.json.map((r: { reason: string }) => r.reason),
      ['read PLC counters'],
    );
    // q never widens: bob's request is not alice's to find.
    const notHers = await h.call('GET', '/api/v1/requests?q=calibrate', { token: alice });
    assert.deepEqual(notHers.json, []);
    const site = await h.call('GET', '/api/v1/sites/plant-1/requests?q=panel&status=pending', {
      token: olga,
    });
    assert.deepEqual(
      site.json.map((r: { id: string }) => r.id),
      [bobs],
    );
    const grants = await h.call('GET', '/api/v1/grants?state=scheduled&q=hmi-1', { token: alice });
    assert.equal(grants.json.length, 1);
    const bad = await h.call('GET', '/api/v1/requests?status=lost', { token: alice });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /^status: /);
    const unknown = await h.call('GET', '/api/v1/grants?owner=olga', { token: alice });
    assert.equal(unknown.status, 400);
    const users = await h.call('GET', '/api/v1/admin/users?role=ot-owner&q=plant-1', {
      token: await p.token('root'),
    });
    assert.deepEqual(users.json.map((u: { name: string }) => u.name).sort(), ['olga', 'oscar']);

    const sessions = await h.call('GET', '/api/v1/sites/plant-1/sessions?protocol=telnet', {
      token: olga,
    });
    assert.equal(sessions.status, 400);
    assert.match(sessions.json.error.message, /^protocol: /);
    const none = await h.call('GET', '/api/v1/sites/plant-1/sessions?protocol=ssh&q=x', {
      token: olga,
    });
    assert.deepEqual(none.json, []);

    // The portal: the same filters in the URL, the form keeps them.
    const c = await portalLogin(h, p.users.olga);
    const list = await c.get('/requests?q=panel&status=pending');
    assert.equal(list.status, 200);
    assert.match(list.text, /calibrate the panel/);
    assert.doesNotMatch(list.text, /update the panel firmware|read PLC counters/);
    assert.match(list.text, /name="q" value="panel"/);
    assert.match(list.text, /<option value="pending" selected/);
    const glist = await c.get('/grants?state=scheduled');
    assert.match(glist.text, /update the panel firmware/);
    assert.equal((await c.get('/requests?status=lost')).status, 400);
    const admin = await portalLogin(h, p.users.root);
    const accounts = await admin.get('/admin/users?role=vendor');
    assert.match(accounts.text, /victor/);
    assert.doesNotMatch(accounts.text, />olga</);
  },
);
