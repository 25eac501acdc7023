import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { FakeClock } from '../../../shared/src/clock.js';
import { sequentialIds } from '../../../shared/src/ids.js';
import { sha256Hex } from '../../../shared/src/crypto/hash.js';
import { openItDatabase } from '../store/it-database.js';
import { RecordingStore } from '../store/recording-store.js';
import { PlaybackApprovals } from './playback-approvals.js';
import { RecordingLibrary } from './recording-library.js';
import { testAuditLog } from '../../../shared/src/testing/test-audit-log.js';
import { audrey, insertTwoSites, olga, otto, person } from './four-eyes.fixture.js';

useCrypto();

const aaron = person('aaron', [{ role: 'auditor', site: 'plant-1' }]);
const root = person('root', [{ role: 'admin' }]);

function setup(t: Parameters<typeof makeTempDir>[0]) {
  const clock = new FakeClock(Date.UTC(2026, 5, 1, 8));
  const db = openItDatabase(':memory:');
  t.after(() => db.close());
  const audit = testAuditLog(db, clock);
  insertTwoSites(db);
  const store = new RecordingStore(db);
  const dir = makeTempDir(t);
  const cast = `${JSON.stringify({ version: 2, width: 80, height: 24 })}\n${JSON.stringify([0.1, 'o', 'hello\r\n'])}\n`;
  writeFileSync(join(dir, 'ses_1.cast'), cast);
  store.create({
    sessionId: 'ses_1',
    site: 'plant-1',
    gatewayId: 'gw',
    asset: 'hmi-1',
    userName: 'alice',
    startedAt: clock.now(),
    now: clock.now(),
  });
  store.finish('ses_1', 'verified', cast.length, sha256Hex(cast), null, clock.now());
  const playback = new PlaybackApprovals({
    db,
    audit,
    clock,
    ids: sequentialIds(),
    approvalTtlMs: 600_000,
    siteExists: (site) => site === 'plant-1' || site === 'plant-2',
    recording: (id) => store.get(id),
  });
  const library = new RecordingLibrary({
    store,
    audit,
    pathOf: (_site, id) => join(dir, `${id}.cast`),
    playback,
  });
  const events = (action: string) => [...audit.iterate()].filter((e) => e.action === action);
  const rec = store.get('ses_1');
  assert.ok(rec);
  return { clock, playback, library, events, rec, store };
}

test(
  'without four-eyes a recording plays directly; the setting is for OT owners of the site and admins, audited',
  { timeout: 10_000 },
  (t) => {
    const { playback, library, events } = setup(t);
    assert.ok(library.play(audrey, 'ses_1').length > 0);
    assert.throws(() => playback.setFourEyes(audrey, 'plant-1', true), {
      code: 'recording.policy_not_allowed',
    });
    assert.throws(() => playback.setFourEyes(otto, 'plant-1', true), {
      code: 'recording.policy_not_allowed',
    });
    assert.equal(playback.fourEyes('plant-1'), false);
    playback.setFourEyes(olga, 'plant-1', true);
    assert.equal(playback.fourEyes('plant-1'), true);
    assert.equal(playback.fourEyes('plant-2'), false);
    playback.setFourEyes(root, 'plant-2', true);
    assert.throws(() => playback.setFourEyes(root, 'plant-9', true), { code: 'site.not_found' });
    const changes = events('site.update');
    assert.deepEqual(
      changes.map((e) => [e.actor, e.site, e.details.fourEyesPlayback]),
      [
        ['olga', 'plant-1', true],
        ['root', 'plant-2', true],
      ],
    );
  },
);

test(
  'four-eyes: the requester alone is refused, cannot approve their own request; a second person approves; the approval lapses',
  { timeout: 10_000 },
  (t) => {
    const { clock, playback, library, events, rec } = setup(t);
    playback.setFourEyes(olga, 'plant-1', true);

    assert.throws(() => library.play(audrey, 'ses_1'), { code: 'recording.four_eyes' });
    assert.equal(events('recording.play').at(-1)?.outcome, 'denied');
    assert.throws(() => playback.request(audrey, rec, 'x'), { code: 'recording.play_reason' });
    const req = playback.request(audrey, rec, 'incident 4711: check what was typed');
    assert.equal(req.state, 'pending');
    assert.throws(() => playback.request(audrey, rec, 'again please'), {
      code: 'recording.play_request_open',
    });
    assert.throws(() => library.play(audrey, 'ses_1'), { code: 'recording.four_eyes' });

    assert.throws(() => playback.decide(audrey, req.id, true), { code: 'recording.self_approval' });
    assert.throws(
      () => playback.decide(otto, req.id, true),
      { code: 'recording.play_request_unknown' },
      'an OT owner of another site does not see it',
    );
    assert.throws(
      () => playback.decide(root, req.id, true),
      { code: 'recording.approver_role' },
      'an admin is not a second auditor',
    );
    const denied = events('recording.play_approve');
    assert.deepEqual(
      denied.map((e) => [e.actor, e.outcome, e.details.reason]),
      [
        ['audrey', 'denied', 'recording.self_approval'],
        ['root', 'denied', 'recording.approver_role'],
      ],
    );

    const approved = playback.decide(aaron, req.id, true);
    assert.equal(approved.state, 'approved');
    assert.equal(approved.decidedBy, 'aaron');
    assert.throws(() => playback.decide(olga, req.id, false), {
      code: 'recording.play_request_decided',
    });
    assert.ok(library.play(audrey, 'ses_1').toString().includes('hello'));
    const played = events('recording.play').at(-1);
    assert.equal(played?.outcome, 'success');
    assert.equal(played?.details.approvedBy, 'aaron');
    assert.throws(
      () => library.play(aaron, 'ses_1'),
      { code: 'recording.four_eyes' },
      'the approval is for the requester only',
    );

    clock.advance(600_001);
    assert.throws(() => library.play(audrey, 'ses_1'), { code: 'recording.four_eyes' });
    assert.equal(playback.check(audrey, rec).allowed, false);

    const again = playback.request(audrey, rec, 'still investigating 4711');
    playback.decide(olga, again.id, false);
    const gate = playback.check(audrey, rec);
    assert.equal(gate.allowed ? 'allowed' : gate.reason, 'refused');
    assert.deepEqual(
      events('recording.play_request').map((e) => e.details.requestId),
      [req.id, again.id],
    );
    assert.deepEqual(
      events('recording.play_approve')
        .filter((e) => e.details.reason === undefined)
        .map((e) => [e.actor, e.outcome]),
      [
        ['aaron', 'success'],
        ['olga', 'denied'],
      ],
    );
    assert.equal(playback.list(olga, 'plant-1').length, 2);
    assert.throws(() => playback.list(otto, 'plant-1'), { code: 'recording.not_allowed' });
  },
);

test('the recordings list filters by part of the user, asset or session id, and by state', (t) => {
  const { library, clock, store } = setup(t);
  store.create({
    sessionId: 'ses_2',
    site: 'plant-1',
    gatewayId: 'gw',
    asset: 'plc-7',
    userName: 'Victor',
    startedAt: clock.now() + 1,
    now: clock.now(),
  });
  const ids = (f: Parameters<RecordingLibrary['list']>[2]) =>
    library.list(audrey, 'plant-1', f).map((r) => r.sessionId);
  assert.deepEqual(ids({}), ['ses_2', 'ses_1'], 'newest first');
  assert.deepEqual(ids({ q: 'victor' }), ['ses_2'], 'any case');
  assert.deepEqual(ids({ q: 'hmi' }), ['ses_1']);
  assert.deepEqual(ids({ q: 'ses_1' }), ['ses_1']);
  assert.deepEqual(ids({ status: 'verified' }), ['ses_1']);
  assert.deepEqual(ids({ status: 'receiving', q: 'plc' }), ['ses_2']);
  assert.deepEqual(ids({ q: 'nobody' }), []);
  assert.deepEqual(ids({ status: '' }), ['ses_2', 'ses_1'], 'an empty select is any');
});
