import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { asset, HARNESS_START, startHarness } from '../../../test/helpers/it-harness.js';
import { END_GRACE_MS, grantSubject, windowSubject } from './evidence-subject.js';

useCrypto();

const HOUR = 3_600_000;

test('grant and window subjects: facts, range, which grants a window occurrence holds', async (t) => {
  const h = await startHarness(t); // Monday 2026-06-01 08:00 UTC (10:00 in Berlin)
  const s = h.gw.services;
  h.site('plant-1', 'Europe/Berlin');
  h.catalogue('plant-1', [
    asset('hmi-1', 'ssh', ['maintenance']),
    asset('plc-1', 'modbus', ['tuning']),
  ]);
  const alice = h.user('alice', ['engineer']);
  const olga = h.user('olga', ['ot-owner@plant-1']);
  const weekly = s.access.windows.addWindow({ cli: 'cli:test' }, 'plant-1', {
    asset: null,
    label: 'weekday daytime',
    rule: {
      kind: 'weekly',
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      start: '08:00',
      end: '18:00',
    },
  });
  const plcOnly = s.access.windows.addWindow({ cli: 'cli:test' }, 'plant-1', {
    asset: 'plc-1',
    label: 'plc job',
    rule: { kind: 'once', start: HARNESS_START, end: HARNESS_START + 4 * HOUR },
  });
  const grant = async (a: string, profile: string): Promise<string> => {
    const r = await s.access.requests.create(alice.user, {
      site: 'plant-1',
      assets: [{ asset: a, profile }],
      startsAt: h.clock.now(),
      endsAt: h.clock.now() + 2 * HOUR,
      reason: `work on ${a}`,
    });
    const d = await s.access.approvals.decide(olga.user, r.id, 'approve', 'ok');
    assert.ok(d.grantId !== null);
    return d.grantId;
  };
  const created = h.clock.now();
  const g1 = await grant('hmi-1', 'maintenance');
  h.clock.advance(60_000);
  const g2 = await grant('plc-1', 'tuning');
  h.clock.advance(30 * 60_000);
  const now = h.clock.now();

  const one = grantSubject(s.store, g1, now);
  assert.equal(one.site, 'plant-1');
  assert.equal(one.from, created);
  assert.equal(one.to, now, 'an active grant: up to now');
  const [f] = one.grants;
  assert.ok(f);
  assert.equal(f.grantee, 'alice');
  assert.equal(f.request.requester, 'alice');
  assert.equal(f.request.reason, 'work on hmi-1');
  assert.deepEqual(
    f.decisions.map((d) => [d.approver, d.decision, d.comment]),
    [['olga', 'approve', 'ok']],
  );
  assert.deepEqual(
    f.scope.map((a) => a.asset),
    ['hmi-1'],
  );
  assert.deepEqual(f.ownerSignatures, []);
  const later = grantSubject(s.store, g1, now + 10 * HOUR);
  assert.equal(later.to, f.notAfter + END_GRACE_MS, 'an ended grant: its end plus the grace');

  const w = windowSubject(s.store, weekly.id, now, now);
  assert.deepEqual(w.window?.occurrence, {
    start: Date.UTC(2026, 5, 1, 6),
    end: Date.UTC(2026, 5, 1, 16),
  });
  assert.deepEqual(
    w.grants.map((g) => g.id),
    [g1, g2],
  );
  assert.equal(w.from, Date.UTC(2026, 5, 1, 6));
  // On Sunday, the last occurrence is Friday's: no grant was valid then.
  const sunday = Date.UTC(2026, 5, 7, 12);
  const fri = windowSubject(s.store, weekly.id, sunday, sunday);
  assert.deepEqual(fri.window?.occurrence.start, Date.UTC(2026, 5, 5, 6));
  assert.deepEqual(fri.grants, []);
  // A window for one asset holds the grants that name it.
  assert.deepEqual(
    windowSubject(s.store, plcOnly.id, now, now).grants.map((g) => g.id),
    [g2],
  );

  assert.throws(() => grantSubject(s.store, 'grt-nope', now), { code: 'evidence.unknown_grant' });
  assert.throws(() => windowSubject(s.store, 'win-nope', now, now), {
    code: 'evidence.unknown_window',
  });
  assert.throws(() => windowSubject(s.store, plcOnly.id, HARNESS_START - HOUR, now), {
    code: 'evidence.no_occurrence',
  });
});
