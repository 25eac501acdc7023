/**
 * A newcomer's first request through the portal form, sent as the form offers it: the default start
 * is now (in the site's zone), so once an OT owner approves, the grant is usable at once, not
 * "scheduled" for five minutes later; and the access check's refusals speak site time and name the
 * portal page where a grant is requested.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { startHarness } from '../../helpers/it-harness.js';
import { seedPlant } from './plant-fixture.js';
import { portalLogin } from './portal-client.js';

useCrypto();

test(
  'the request form starts now: its defaults, sent unchanged and approved, give a grant active at once',
  { timeout: 90_000 },
  async (t) => {
    const p = await seedPlant(await startHarness(t));
    const { h } = p;
    const checker = h.gw.services.access.checker;
    const aliceId = p.users.alice.user.id;
    const none = checker.checkAccess(aliceId, 'plant-1', 'hmi-1', 'ssh', h.clock.now());
    assert.equal(none.allow, false);
    assert.match(
      none.allow ? '' : none.message,
      /^you have no grant for hmi-1 at plant-1; request one at https:\/\/\S+\/requests\/new\?site=plant-1$/,
    );

    const alice = await portalLogin(h, p.users.alice);
    const form = await alice.get('/requests/new?site=plant-1');
    const value = (name: string): string =>
      new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(form.text)?.[1] ??
      new RegExp(`value="([^"]*)"[^>]*name="${name}"`).exec(form.text)?.[1] ??
      '';
    // The harness clock reads 08:00 UTC (plus the logins' 30 s steps): 10:00 in Berlin.
    assert.equal(value('start'), '2026-06-01T10:00', 'the default start is now, in site time');
    assert.equal(value('end'), '2026-06-01T11:00');
    const sent = await alice.post('/requests', {
      site: 'plant-1',
      pick: ['hmi-1:maintenance'],
      start: value('start'),
      end: value('end'),
      reason: 'first hour: look at the HMI',
      ticketRef: '',
    });
    assert.equal(sent.status, 303, sent.text.slice(0, 400));
    const id = /\/requests\/(req_\d+)/.exec(sent.location ?? '')?.[1] ?? '';
    const olga = await portalLogin(h, p.users.olga);
    const approved = await olga.post(`/requests/${id}/decide`, {
      decision: 'approve',
      comment: 'go ahead',
    });
    assert.equal(approved.status, 303);
    const dash = await alice.get('/');
    assert.match(dash.text, /class="grant active"/, 'usable at once, not "scheduled"');
    assert.doesNotMatch(dash.text, /class="grant scheduled"/);
    const now = checker.checkAccess(aliceId, 'plant-1', 'hmi-1', 'ssh', h.clock.now());
    assert.equal(now.allow, true, now.allow ? '' : now.message);

    // A grant that starts later is refused with its start in the site's zone, not UTC `Z`.
    const later = await alice.post('/requests', {
      site: 'plant-1',
      pick: ['plc-1:tuning'],
      start: '2026-06-01T14:05',
      end: '2026-06-01T15:05',
      reason: 'afternoon tuning of plc-1',
      ticketRef: '',
    });
    assert.equal(later.status, 303, later.text.slice(0, 400));
    const laterId = /\/requests\/(req_\d+)/.exec(later.location ?? '')?.[1] ?? '';
    assert.equal(
      (await olga.post(`/requests/${laterId}/decide`, { decision: 'approve', comment: 'ok' }))
        .status,
      303,
    );
    const early = checker.checkAccess(aliceId, 'plant-1', 'plc-1', 'modbus', h.clock.now());
    assert.equal(early.allow, false);
    assert.match(
      early.allow ? '' : early.message,
      /^your grant \S+ for plc-1 starts at 2026-06-01 14:05 Europe\/Berlin$/,
    );
  },
);
