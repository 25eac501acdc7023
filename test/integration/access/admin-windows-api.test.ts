/**
 * Admin and OT-owner management through the API: sites and their policy, accounts and roles,
 * maintenance windows, each with its refusals (wrong role, wrong site, bad input naming the field).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { startHarness } from '../../helpers/it-harness.js';
import { seedPlant } from './plant-fixture.js';

useCrypto();

test(
  'admins manage sites, policy and accounts; bad input is refused with the field named',
  { timeout: 90_000 },
  async (t) => {
    const p = await seedPlant(await startHarness(t));
    const { h } = p;
    const root = await p.token('root');
    const olga = await p.token('olga');
    assert.equal(
      (
        await h.call('POST', '/api/v1/admin/sites', {
          token: olga,
          body: { id: 'plant-3', timezone: 'Europe/Paris' },
        })
      ).status,
      403,
      'an OT owner is not an admin',
    );
    const badTz = await h.call('POST', '/api/v1/admin/sites', {
      token: root,
      body: { id: 'plant-3', timezone: 'Mars/Olympus' },
    });
    assert.equal(badTz.status, 400);
    assert.equal(badTz.json.error.details.field, 'timezone');
    const site = await h.call('POST', '/api/v1/admin/sites', {
      token: root,
      body: { id: 'plant-3', timezone: 'Europe/Paris', displayName: 'Plant 3' },
    });
    assert.equal(site.status, 201);
    assert.equal(
      (
        await h.call('POST', '/api/v1/admin/sites', {
          token: root,
          body: { id: 'plant-3', timezone: 'Europe/Paris' },
        })
      ).status,
      409,
    );
    const badPattern = await h.call('PUT', '/api/v1/admin/sites/plant-3/policy', {
      token: root,
      body: { requiredApprovals: 1, ticketPattern: '([' },
    });
    assert.equal(badPattern.status, 400);
    assert.match(badPattern.json.error.message, /ticketPattern is not a valid regular expression/);
    const six = await h.call('PUT', '/api/v1/admin/sites/plant-3/policy', {
      token: root,
      body: { requiredApprovals: 6, ticketPattern: null },
    });
    assert.equal(six.status, 400);
    assert.match(six.json.error.message, /^requiredApprovals: /);
    // A shorter period for fresh SSH keys at this site (docs/ssh.md); left out, it is kept.
    const shift = await h.call('PUT', '/api/v1/admin/sites/plant-3/policy', {
      token: root,
      body: { requiredApprovals: 1, ticketPattern: null, sshFreshMinutes: 120 },
    });
    assert.equal(shift.status, 200);
    assert.equal(shift.json.sshFreshMinutes, 120);
    const kept = await h.call('PUT', '/api/v1/admin/sites/plant-3/policy', {
      token: root,
      body: { requiredApprovals: 2, ticketPattern: null },
    });
    assert.equal(kept.json.sshFreshMinutes, 120);
    const tooLong = await h.call('PUT', '/api/v1/admin/sites/plant-3/policy', {
      token: root,
      body: { requiredApprovals: 1, ticketPattern: null, sshFreshMinutes: 1441 },
    });
    assert.equal(tooLong.status, 400);
    assert.match(tooLong.json.error.message, /^sshFreshMinutes: /);
    const byDefault = await h.call('PUT', '/api/v1/admin/sites/plant-3/policy', {
      token: root,
      body: { requiredApprovals: 1, ticketPattern: null, sshFreshMinutes: null },
    });
    assert.equal(byDefault.json.sshFreshMinutes, null);
    assert.equal(
      (
        await h.call('PUT', '/api/v1/admin/sites/plant-9/policy', {
          token: root,
          body: { requiredApprovals: 1, ticketPattern: null },
        })
      ).status,
      404,
    );

    const badRole = await h.call('POST', '/api/v1/admin/users', {
      token: root,
      body: { name: 'dave', roles: ['engineer', 'ot-owner'] },
    });
    assert.equal(badRole.status, 400);
    assert.match(badRole.json.error.message, /^roles\[1\]: /);
    const unknownSite = await h.call('POST', '/api/v1/admin/users', {
      token: root,
      body: { name: 'dave', roles: ['ot-owner@plant-9'] },
    });
    assert.equal(unknownSite.status, 400);
    assert.match(unknownSite.json.error.message, /unknown site plant-9/);
    const badDate = await h.call('POST', '/api/v1/admin/users', {
      token: root,
      body: { name: 'vera', roles: ['vendor'], company: 'ACME', contractEnd: '2026-02-30' },
    });
    assert.equal(badDate.status, 400);
    assert.equal(badDate.json.error.details.field, 'contractEnd');
    const dave = await h.call('POST', '/api/v1/admin/users', {
      token: root,
      body: { name: 'dave', roles: ['engineer'] },
    });
    assert.equal(dave.status, 201);
    assert.ok(!('passwordHash' in dave.json.user));
    const promoted = await h.call('PATCH', `/api/v1/admin/users/${dave.json.user.id}`, {
      token: root,
      body: { roles: ['engineer', 'ot-owner@plant-3'], canBreakGlass: true },
    });
    assert.deepEqual(promoted.json.roles, ['engineer', 'ot-owner@plant-3']);
    assert.equal(promoted.json.canBreakGlass, true);
    const update = [...h.gw.services.store.audit.iterate()]
      .filter((e) => e.action === 'user.update')
      .pop();
    assert.deepEqual(update?.details.previousRoles, ['engineer']);
    assert.equal((await h.call('GET', '/api/v1/admin/users', { token: olga })).status, 403);
    const reset = await h.call('POST', `/api/v1/admin/users/${dave.json.user.id}/password-reset`, {
      token: root,
    });
    assert.match(reset.json.password, /^[a-z2-9]{4}(-[a-z2-9]{4}){4}$/);
    assert.equal(
      (
        await h.call('POST', `/api/v1/admin/users/${p.users.root.user.id}/mfa-reset`, {
          token: root,
        })
      ).status,
      403,
      'not your own second factor',
    );
  },
);

test(
  'OT owners define windows for their own site only; rules are validated with the field named',
  { timeout: 90_000 },
  async (t) => {
    const p = await seedPlant(await startHarness(t));
    const { h } = p;
    const olga = await p.token('olga');
    const paul = await p.token('paul');
    const weekly = { kind: 'weekly', days: ['sat', 'sun'], start: '06:00', end: '14:00' };
    assert.equal(
      (
        await h.call('POST', '/api/v1/sites/plant-1/windows', {
          token: paul,
          body: { label: 'x', rule: weekly },
        })
      ).status,
      403,
      'owner of another site',
    );
    assert.equal(
      (
        await h.call('POST', '/api/v1/sites/plant-1/windows', {
          token: await p.token('root'),
          body: { label: 'x', rule: weekly },
        })
      ).status,
      403,
      'admin',
    );
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ label: 'x', rule: { ...weekly, days: [] } }, /^rule\.days: /],
      [{ label: 'x', rule: { ...weekly, start: '6:00' } }, /^rule\.start: expected a time HH:MM/],
      [
        {
          label: 'x',
          rule: { kind: 'once', start: '2026-06-01T09:00:00Z', end: '2026-06-01T08:00:00Z' },
        },
        /end must be after start/,
      ],
      [
        {
          label: 'x',
          rule: { kind: 'once', start: '2026-05-01T09:00:00Z', end: '2026-05-01T10:00:00Z' },
        },
        /the window has already ended/,
      ],
      [{ label: 'x', rule: { kind: 'monthly' } }, /^rule/],
      [{ label: 'x', asset: 'hmi-7', rule: weekly }, /site plant-1 has no asset hmi-7/],
      [{ label: '', rule: weekly }, /label is required/],
      [{ label: 'x'.repeat(101), rule: weekly }, /^label: /],
    ];
    for (const [body, re] of cases) {
      const r = await h.call('POST', '/api/v1/sites/plant-1/windows', { token: olga, body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(r.json.error.message, re, JSON.stringify(body));
    }
    const ok = await h.call('POST', '/api/v1/sites/plant-1/windows', {
      token: olga,
      body: { label: 'weekend', asset: 'plc-1', rule: weekly },
    });
    assert.equal(ok.status, 201);
    assert.equal(ok.json.description, 'weekly Sat, Sun 06:00-14:00');
    const list = await h.call('GET', '/api/v1/sites/plant-1/windows', {
      token: await p.token('alice'),
    });
    assert.equal(list.json.length, 2, 'engineers see the windows they must request within');
    assert.equal(
      (await h.call('GET', '/api/v1/sites/plant-1/windows', { token: await p.token('victor') }))
        .status,
      404,
      'a vendor without a schedule does not see the site',
    );
    assert.equal(
      (await h.call('DELETE', `/api/v1/windows/${ok.json.id}`, { token: paul })).status,
      404,
    );
    assert.equal(
      (await h.call('DELETE', `/api/v1/windows/${ok.json.id}`, { token: olga })).status,
      204,
    );
    assert.equal(
      (await h.call('DELETE', `/api/v1/windows/${ok.json.id}`, { token: olga })).status,
      404,
    );
    assert.deepEqual(
      h.auditActions().filter((a) => a.startsWith('window.')),
      ['window.create', 'window.create', 'window.delete'],
    );
  },
);
