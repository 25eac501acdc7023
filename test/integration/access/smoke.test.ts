import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../../helpers/crypto.js';
import { asset, startHarness } from '../../helpers/it-harness.js';

useCrypto();

test('smoke: request in a window, approve, grant active', { timeout: 60_000 }, async (t) => {
  const h = await startHarness(t);
  h.site('plant-1');
  h.catalogue('plant-1', [asset('hmi-1', 'ssh', ['maintenance', 'read-only'])]);
  const alice = h.user('alice', ['engineer']);
  const olga = h.user('olga', ['ot-owner@plant-1']);
  const olgaToken = await h.login(olga);
  const w = await h.call('POST', '/api/v1/sites/plant-1/windows', { token: olgaToken, body: { label: 'daytime', rule: { kind: 'weekly', days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '18:00' } } });
  assert.equal(w.status, 201, w.text);
  const aliceToken = await h.login(alice);
  const start = new Date(h.clock.now() + 10 * 60_000).toISOString();
  const end = new Date(h.clock.now() + 70 * 60_000).toISOString();
  const r = await h.call('POST', '/api/v1/requests', { token: aliceToken, body: { site: 'plant-1', assets: [{ asset: 'hmi-1', profile: 'maintenance' }], start, end, reason: 'replace HMI panel firmware', ticketRef: 'CHG-1' } });
  assert.equal(r.status, 201, r.text);
  const d = await h.call('POST', `/api/v1/requests/${r.json.id}/decision`, { token: olgaToken, body: { decision: 'approve', comment: 'ok' } });
  assert.equal(d.status, 200, d.text);
  assert.equal(d.json.outcome, 'granted');
  h.clock.advance(11 * 60_000);
  const g = await h.call('GET', `/api/v1/grants/${d.json.grantId}`, { token: aliceToken });
  assert.equal(g.json.state, 'active', g.text);
  const portal = await h.call('GET', '/', { token: aliceToken });
  assert.equal(portal.status, 303);
  console.log(h.auditActions().join(' '));
});
