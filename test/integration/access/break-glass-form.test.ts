/**
 * The break-glass form through the portal: one limit (the config's breakGlassMaxHours, 4 h = 240
 * minutes by default) shown as the input's max and in its label, and a refused take re-renders the
 * form with the message and what was typed, never a blank error page; nothing is granted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { startHarness } from '../../helpers/it-harness.js';
import { seedPlant } from './plant-fixture.js';
import { portalLogin } from './portal-client.js';

useCrypto();

test(
  'break-glass form: max 240 minutes shown; a refused duration keeps the picks and the justification',
  { timeout: 60_000 },
  async (t) => {
    const h = await startHarness(t);
    await seedPlant(h);
    const bea = h.user('bea', ['engineer'], { canBreakGlass: true });
    const c = await portalLogin(h, bea);
    const form = await c.get('/break-glass?site=plant-1');
    assert.equal(form.status, 200);
    assert.match(form.text, /name="durationMinutes"[^>]*max="240"/);
    assert.match(form.text, /5 to 240, at most 4 hours/);
    assert.doesNotMatch(form.text, /max="1440"/);
    const justification = 'pump P-101 tripped, operator on site needs the HMI now';
    const refused = await c.post('/break-glass', {
      site: 'plant-1',
      pick: ['hmi-1:maintenance', ''],
      durationMinutes: '300',
      justification,
    });
    assert.equal(refused.status, 400);
    assert.match(refused.text, /durationMinutes must be 5 to 240 \(minutes\)/);
    assert.match(refused.text, /name="durationMinutes"[^>]*value="300"/);
    assert.ok(refused.text.includes(justification), 'justification kept');
    assert.match(refused.text, /<option value="hmi-1:maintenance" selected/);
    assert.equal(h.gw.services.store.grants.listAll().length, 0, 'nothing granted');
    const short = await c.post('/break-glass', {
      site: 'plant-1',
      pick: 'hmi-1:maintenance',
      durationMinutes: '240',
      justification: 'too short',
    });
    assert.equal(short.status, 400);
    assert.match(short.text, /justification needs at least 20 characters/);
    const ok = await c.post('/break-glass', {
      site: 'plant-1',
      pick: 'hmi-1:maintenance',
      durationMinutes: '240',
      justification,
    });
    assert.equal(ok.status, 303);
    assert.match(ok.location ?? '', /^\/grants\/.+\?notice=break-glass$/);
    const g = h.gw.services.store.grants.listAll()[0];
    assert.equal((g?.notAfter ?? 0) - (g?.notBefore ?? 0), 240 * 60_000);
  },
);
