import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { FakeClock } from '../../../shared/src/clock.js';
import { sequentialIds } from '../../../shared/src/ids.js';
import { isAirlockError } from '../../../shared/src/errors.js';
import { openItDatabase } from '../store/it-database.js';
import { ExportApprovals } from './export-approvals.js';
import { testAuditLog } from '../../../shared/src/testing/test-audit-log.js';
import { audrey, insertTwoSites, olga, otto } from '../recording/four-eyes.fixture.js';

useCrypto();

const T0 = Date.UTC(2026, 5, 1, 8);
const FROM = T0 - 3_600_000;

function setup(t: { after(fn: () => void): void }) {
  const clock = new FakeClock(T0);
  const db = openItDatabase(':memory:');
  t.after(() => db.close());
  const audit = testAuditLog(db, clock);
  insertTwoSites(db);
  const state = { fourEyes: true, recordingAt: T0 - 1_800_000 };
  const approvals = new ExportApprovals({
    db,
    audit,
    clock,
    ids: sequentialIds(),
    fourEyes: () => state.fourEyes,
    carriesRecordings: (_site, from, to) => from <= state.recordingAt && state.recordingAt <= to,
  });
  const events = (action: string) =>
    [...audit.iterate()]
      .filter((e) => e.action === action)
      .map((e) => [e.actor, e.outcome, e.details.reason ?? e.details.decision ?? null]);
  return { clock, approvals, state, events };
}

const code = (c: string) => (e: unknown) => isAirlockError(e) && e.code === c;

test('four-eyes exports: required only with four-eyes playback on and a recording in the range', (t) => {
  const { approvals, state } = setup(t);
  assert.deepEqual(
    approvals.admit('audrey', 'plant-1', T0 - 600_000, T0),
    { required: false },
    'no recording in the range: events only',
  );
  state.fourEyes = false;
  assert.deepEqual(approvals.admit('audrey', 'plant-1', FROM, T0), { required: false });
  state.fourEyes = true;
  assert.equal(approvals.required('plant-1', FROM, T0), true);
});

test('four-eyes exports: refused until a second person approves; the approval is used once', (t) => {
  const { clock, approvals, state, events } = setup(t);
  assert.throws(
    () => approvals.admit('audrey', 'plant-1', FROM, T0),
    code('export.four_eyes_required'),
  );
  const r = approvals.request(audrey, 'plant-1', FROM, T0, 'incident INC-4711');
  assert.equal(r.state, 'pending');
  assert.throws(
    () => approvals.admit('audrey', 'plant-1', FROM, T0),
    (e: unknown) =>
      code('export.four_eyes_required')(e) && /waiting for a decision/.test(String(e)),
  );
  assert.throws(
    () => approvals.request(audrey, 'plant-1', FROM, T0, 'again'),
    code('export.request_open'),
  );
  assert.throws(() => approvals.decide(audrey, r.id, true), code('export.self_approval'));
  assert.throws(() => approvals.decide(otto, r.id, true), code('export.request_unknown'));
  const approved = approvals.decide(olga, r.id, true);
  assert.equal(approved.state, 'approved');
  assert.equal(approved.decidedBy, 'olga');

  assert.throws(
    () => approvals.admit('audrey', 'plant-1', FROM - 60_000, T0),
    code('export.four_eyes_required'),
    'a wider range than approved',
  );
  assert.throws(
    () => approvals.admit('aaron', 'plant-1', FROM, T0),
    code('export.four_eyes_required'),
    'only the requester',
  );
  const ok = approvals.admit('audrey', 'plant-1', FROM + 60_000, T0);
  assert.ok(ok.required && ok.approval.id === r.id, 'a range inside the approved one');
  approvals.use(r.id, 'exp_1');
  assert.throws(() => approvals.use(r.id, 'exp_2'), code('export.approval_used'));
  assert.throws(
    () => approvals.admit('audrey', 'plant-1', FROM, T0),
    code('export.four_eyes_required'),
  );

  const r2 = approvals.request(audrey, 'plant-1', FROM, T0, 'second look');
  approvals.decide(olga, r2.id, true);
  clock.advance(3_600_001);
  assert.throws(
    () => approvals.admit('audrey', 'plant-1', FROM, T0),
    code('export.four_eyes_required'),
    'an approval lapses after an hour',
  );
  const r3 = approvals.request(audrey, 'plant-1', FROM, T0, 'third look');
  assert.equal(approvals.decide(olga, r3.id, false).state, 'refused');
  assert.throws(() => approvals.decide(olga, r3.id, true), code('export.request_decided'));

  state.fourEyes = false;
  assert.throws(
    () => approvals.request(audrey, 'plant-1', FROM, T0, 'not needed'),
    code('export.four_eyes_off'),
  );
  assert.deepEqual(events('audit.export_request'), [
    ['audrey', 'success', 'incident INC-4711'],
    ['audrey', 'success', 'second look'],
    ['audrey', 'success', 'third look'],
  ]);
  assert.deepEqual(events('audit.export_approve'), [
    ['audrey', 'denied', 'export.self_approval'],
    ['olga', 'success', 'approve'],
    ['olga', 'success', 'approve'],
    ['olga', 'denied', 'refuse'],
    ['olga', 'denied', 'export.request_decided'],
  ]);
  assert.equal(approvals.list(olga, 'plant-1').length, 3);
  assert.throws(() => approvals.list(otto, 'plant-1'), code('export.not_allowed'));
});
