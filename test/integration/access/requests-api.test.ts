/**
 * Requests through the API: what an engineer may ask for and when (windows, catalogue, ticket
 * format, limits), vendors (schedule, contract end), who may read or act on a request, and bad
 * input refused with the field named.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { startHarness } from '../../helpers/it-harness.js';
import { seedPlant } from './plant-fixture.js';

useCrypto();

test(
  'a request must fall inside a maintenance window of every asset it names',
  { timeout: 90_000 },
  async (t) => {
    const p = await seedPlant(await startHarness(t));
    const { h } = p;
    const alice = await p.token('alice');
    const inside = await h.call('POST', '/api/v1/requests', {
      token: alice,
      body: p.requestBody(10, 70),
    });
    assert.equal(inside.status, 201, inside.text);
    assert.equal(inside.json.status, 'pending');
    assert.equal(inside.json.requiredApprovals, 1);
    // 10:00 Berlin now; the window closes at 18:00 Berlin, 480 minutes from now.
    const past = await h.call('POST', '/api/v1/requests', {
      token: alice,
      body: p.requestBody(400, 500),
    });
    assert.equal(past.status, 403);
    assert.equal(past.json.error.code, 'request.outside_window');
    assert.match(
      past.json.error.message,
      /hmi-1: no maintenance window covers 2026-06-01 18:00 \(Europe\/Berlin\)/,
    );
    assert.equal(past.json.error.details.asset, 'hmi-1');
    const weekend = await h.call('POST', '/api/v1/requests', {
      token: alice,
      body: p.requestBody(5 * 24 * 60, 5 * 24 * 60 + 60),
    });
    assert.equal(weekend.status, 403, 'Saturday has no window');
    const otherSite = await h.call('POST', '/api/v1/requests', {
      token: alice,
      body: {
        ...p.requestBody(),
        site: 'plant-2',
        assets: [{ asset: 'hmi-9', profile: 'maintenance' }],
      },
    });
    assert.equal(otherSite.status, 403, 'plant-2 has no window at all');
    assert.equal(otherSite.json.error.code, 'request.outside_window');
    // An asset-only evening window covers plc-1 but not hmi-1.
    h.gw.services.access.windows.addWindow({ cli: 'cli:test' }, 'plant-1', {
      asset: 'plc-1',
      label: 'evening',
      rule: { kind: 'weekly', days: ['mon'], start: '18:00', end: '22:00' },
    });
    const plc = await h.call('POST', '/api/v1/requests', {
      token: alice,
      body: p.requestBody(400, 500, { assets: [{ asset: 'plc-1', profile: 'tuning' }] }),
    });
    assert.equal(
      plc.status,
      201,
      'daytime + evening windows touch and cover 17:40-19:20 for plc-1',
    );
    const both = await h.call('POST', '/api/v1/requests', {
      token: alice,
      body: p.requestBody(400, 500, {
        assets: [
          { asset: 'plc-1', profile: 'tuning' },
          { asset: 'hmi-1', profile: 'read-only' },
        ],
      }),
    });
    assert.equal(both.status, 403);
    assert.match(both.json.error.message, /^hmi-1: /);
    assert.deepEqual(
      h.auditActions().filter((a) => a === 'request.create').length,
      2,
      'refused requests leave no trace but their absence',
    );
  },
);

test(
  'assets, profiles, times, reason and ticket are checked with the field named',
  { timeout: 90_000 },
  async (t) => {
    const p = await seedPlant(await startHarness(t));
    const { h } = p;
    const alice = await p.token('alice');
    const root = await p.token('root');
    assert.equal(
      (
        await h.call('PUT', '/api/v1/admin/sites/plant-1/policy', {
          token: root,
          body: { requiredApprovals: 1, ticketPattern: 'CHG-[0-9]{4}' },
        })
      ).status,
      200,
    );
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [
        p.requestBody(10, 70, { assets: [{ asset: 'hmi-7', profile: 'maintenance' }] }),
        400,
        /^assets\[0\]\.asset: site plant-1 has no asset hmi-7/,
      ],
      [
        p.requestBody(10, 70, { assets: [{ asset: 'hmi-1', profile: 'root' }] }),
        400,
        /^assets\[0\]\.profile: hmi-1 offers maintenance, read-only, not root/,
      ],
      [
        p.requestBody(10, 70, {
          assets: [
            { asset: 'hmi-1', profile: 'maintenance' },
            { asset: 'hmi-1', profile: 'read-only' },
          ],
        }),
        400,
        /^assets\[1\]\.asset: hmi-1 is listed twice/,
      ],
      [p.requestBody(10, 70, { assets: [] }), 400, /^assets: /],
      [p.requestBody(70, 10), 400, /end must be after start/],
      [p.requestBody(-60, 10), 400, /start is in the past/],
      [p.requestBody(10, 70, { start: 'tomorrow' }), 400, /^start: expected an ISO 8601 time/],
      [p.requestBody(10, 60 * 24 * 8), 400, /^end: access may last at most 168 hours/],
      [p.requestBody(10, 70, { reason: '' }), 400, /reason needs at least 3 characters/],
      [p.requestBody(10, 70, { reason: 'x'.repeat(1001) }), 400, /^reason: /],
      [
        p.requestBody(10, 70, { ticketRef: undefined }),
        400,
        /^ticketRef: site plant-1 requires a ticket reference/,
      ],
      [
        p.requestBody(10, 70, { ticketRef: 'INC-1' }),
        400,
        /^ticketRef: "INC-1" does not match the site's ticket format/,
      ],
      [p.requestBody(10, 70, { ticketRef: 'CHG-1042x' }), 400, /does not match/],
      [p.requestBody(10, 70, { site: 'plant-9' }), 404, /no site plant-9/],
      [p.requestBody(10, 70, { site: 'Plant 1' }), 400, /^site: expected a lowercase name/],
      [p.requestBody(10, 70, { approved: true }), 400, /^approved: unknown key/],
    ];
    for (const [body, status, re] of cases) {
      const r = await h.call('POST', '/api/v1/requests', { token: alice, body });
      assert.equal(r.status, status, `${JSON.stringify(body)} -> ${r.text}`);
      assert.match(r.json.error.message, re, JSON.stringify(body));
    }
    assert.equal(
      (await h.call('POST', '/api/v1/requests', { token: alice, body: p.requestBody() })).status,
      201,
      'CHG-1042 matches',
    );
    assert.equal(h.auditActions().filter((a) => a === 'request.create').length, 1);
  },
);

test(
  "a site's ticket format runs on the linear-time engine: (a+)+$ with a hostile reference is refused at once",
  { timeout: 90_000 },
  async (t) => {
    // On V8's backtracking engine this reference took 2^63 steps (2.6 s for 29 characters).
    const p = await seedPlant(await startHarness(t));
    const { h } = p;
    const alice = await p.token('alice');
    const root = await p.token('root');
    const set = (ticketPattern: string) =>
      h.call('PUT', '/api/v1/admin/sites/plant-1/policy', {
        token: root,
        body: { requiredApprovals: 1, ticketPattern },
      });
    for (const [pattern, why] of [
      ['CHG-(?=\\d)\\d+', /lookahead `\(\?=` is not supported/],
      ['(CHG)-\\1', /backreference `\\1` is not supported/],
      ['CHG-[0-9', /missing closing \]: `\[0-9`/],
    ] as const) {
      const r = await set(pattern);
      assert.equal(r.status, 400, pattern);
      assert.match(r.json.error.message, /^ticketPattern is not a valid regular expression: /);
      assert.match(r.json.error.message, why);
    }
    assert.equal((await set('(a+)+$')).status, 200);
    const hostile = await h.call('POST', '/api/v1/requests', {
      token: alice,
      body: p.requestBody(10, 70, { ticketRef: `${'a'.repeat(63)}!` }),
    });
    assert.equal(hostile.status, 400, hostile.text);
    assert.match(hostile.json.error.message, /does not match the site's ticket format \(a\+\)\+\$/);
    const fine = await h.call('POST', '/api/v1/requests', {
      token: alice,
      body: p.requestBody(10, 70, { ticketRef: 'a'.repeat(64) }),
    });
    assert.equal(fine.status, 201, fine.text);
  },
);

test(
  'only engineers and vendors request; vendors only inside their job schedule and before their contract end',
  { timeout: 90_000 },
  async (t) => {
    const p = await seedPlant(await startHarness(t));
    const { h } = p;
    for (const who of ['root', 'audrey', 'olga'] as const) {
      const r = await h.call('POST', '/api/v1/requests', {
        token: await p.token(who),
        body: p.requestBody(),
      });
      assert.equal(r.status, 403, who);
    }
    const victor = await p.token('victor');
    const unseen = await h.call('POST', '/api/v1/requests', {
      token: victor,
      body: p.requestBody(),
    });
    assert.equal(
      unseen.status,
      404,
      'a vendor without a schedule at the site does not even see it',
    );
    const olga = await p.token('olga');
    const sched = await h.call('POST', '/api/v1/sites/plant-1/schedules', {
      token: olga,
      body: {
        vendor: 'victor',
        asset: 'plc-1',
        profile: 'tuning',
        label: 'PLC tuning job',
        rule: { kind: 'weekly', days: ['mon'], start: '09:00', end: '12:00' },
      },
    });
    assert.equal(sched.status, 201, sched.text);
    const plcBody = (from: number, to: number, profile = 'tuning') =>
      p.requestBody(from, to, { assets: [{ asset: 'plc-1', profile }] });
    assert.equal(
      (await h.call('POST', '/api/v1/requests', { token: victor, body: plcBody(10, 60) })).status,
      201,
      'inside schedule and window',
    );
    const late = await h.call('POST', '/api/v1/requests', {
      token: victor,
      body: plcBody(100, 150),
    });
    assert.equal(late.status, 403, 'schedule ends 12:00 Berlin');
    assert.equal(late.json.error.code, 'request.outside_schedule');
    const otherProfile = await h.call('POST', '/api/v1/requests', {
      token: victor,
      body: plcBody(10, 60, 'read-only'),
    });
    // Outside the job reads as absent (access/scope.ts): the refusal reveals no other profile or asset.
    assert.equal(otherProfile.status, 400, 'the schedule names the tuning profile only');
    assert.equal(otherProfile.json.error.code, 'request.unknown_profile');
    assert.match(otherProfile.json.error.message, /plc-1 offers tuning, not read-only/);
    const otherAsset = await h.call('POST', '/api/v1/requests', {
      token: victor,
      body: p.requestBody(10, 60),
    });
    assert.equal(otherAsset.json.error.code, 'request.unknown_asset');
    // A one-off schedule on 1 July, after the contract (ends 30 June).
    h.gw.services.access.windows.addSchedule({ cli: 'cli:test' }, 'plant-1', {
      vendor: 'victor',
      asset: 'plc-1',
      profile: 'tuning',
      label: 'July job',
      rule: { kind: 'once', start: Date.UTC(2026, 5, 30, 20), end: Date.UTC(2026, 6, 1, 12) },
    });
    h.gw.services.access.windows.addWindow({ cli: 'cli:test' }, 'plant-1', {
      asset: 'plc-1',
      label: 'shutdown',
      rule: { kind: 'once', start: Date.UTC(2026, 5, 30, 20), end: Date.UTC(2026, 6, 1, 12) },
    });
    const afterContract = await h.call('POST', '/api/v1/requests', {
      token: victor,
      body: { ...plcBody(0, 0), start: '2026-06-30T21:00:00Z', end: '2026-07-01T02:00:00Z' },
    });
    assert.equal(afterContract.status, 403);
    assert.equal(afterContract.json.error.code, 'request.after_contract_end');
    const inContract = await h.call('POST', '/api/v1/requests', {
      token: victor,
      body: { ...plcBody(0, 0), start: '2026-06-30T21:00:00Z', end: '2026-06-30T23:59:00Z' },
    });
    assert.equal(inContract.status, 201, inContract.text);
    const schedules = await h.call('GET', '/api/v1/sites/plant-1/schedules', { token: victor });
    assert.equal(schedules.json.length, 2, 'a vendor sees their own schedules');
    const bySchedule = await h.call('POST', '/api/v1/sites/plant-1/schedules', {
      token: await p.token('alice'),
      body: {
        vendor: 'victor',
        asset: 'plc-1',
        profile: 'tuning',
        label: 'x',
        rule: { kind: 'weekly', days: ['sun'], start: '00:00', end: '23:00' },
      },
    });
    assert.equal(bySchedule.status, 403, 'only OT owners set schedules');
    const notVendor = await h.call('POST', '/api/v1/sites/plant-1/schedules', {
      token: olga,
      body: {
        vendor: 'alice',
        asset: 'plc-1',
        profile: 'tuning',
        label: 'x',
        rule: { kind: 'weekly', days: ['sun'], start: '00:00', end: '23:00' },
      },
    });
    assert.equal(notVendor.status, 400);
    assert.match(notVendor.json.error.message, /alice is not a vendor account/);
  },
);

test(
  "reading or acting on another user's request: 404 to those who may not see it, 403 to those who may see but not act",
  { timeout: 90_000 },
  async (t) => {
    const p = await seedPlant(await startHarness(t));
    const { h } = p;
    const created = await h.call('POST', '/api/v1/requests', {
      token: await p.token('alice'),
      body: p.requestBody(),
    });
    const id = created.json.id as string;
    const read = async (who: keyof typeof p.users) =>
      (await h.call('GET', `/api/v1/requests/${id}`, { token: await p.token(who) })).status;
    assert.equal(await read('alice'), 200);
    assert.equal(await read('olga'), 200, 'an OT owner of the site');
    assert.equal(await read('audrey'), 200, 'an auditor of the site');
    assert.equal(await read('root'), 200, 'an admin');
    assert.equal(await read('bob'), 404, 'another engineer');
    assert.equal(await read('paul'), 404, 'the OT owner of another site');
    assert.equal(await read('victor'), 404);
    assert.equal(
      (await h.call('GET', '/api/v1/requests/req_9999', { token: await p.token('alice') })).status,
      404,
    );
    assert.equal(
      (await h.call('POST', `/api/v1/requests/${id}/cancel`, { token: await p.token('bob') }))
        .status,
      404,
    );
    const byOwner = await h.call('POST', `/api/v1/requests/${id}/cancel`, {
      token: await p.token('olga'),
    });
    assert.equal(byOwner.status, 403);
    assert.equal(byOwner.json.error.code, 'request.not_yours');
    assert.equal(
      (await h.call('GET', '/api/v1/sites/plant-1/requests', { token: await p.token('paul') }))
        .status,
      404,
      'per-site list of another site',
    );
    assert.equal(
      (await h.call('GET', '/api/v1/sites/plant-1/requests', { token: await p.token('bob') }))
        .status,
      403,
    );
    assert.equal(
      (await h.call('GET', '/api/v1/sites/plant-1/requests', { token: await p.token('audrey') }))
        .json.length,
      1,
    );
    assert.deepEqual(
      (await h.call('GET', '/api/v1/requests', { token: await p.token('bob') })).json,
      [],
      "bob's own list is empty",
    );
    const cancel = await h.call('POST', `/api/v1/requests/${id}/cancel`, {
      token: await p.token('alice'),
    });
    assert.equal(cancel.json.status, 'cancelled');
    assert.equal(
      (await h.call('POST', `/api/v1/requests/${id}/cancel`, { token: await p.token('alice') }))
        .status,
      409,
    );
  },
);
