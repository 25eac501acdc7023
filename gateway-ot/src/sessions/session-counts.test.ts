/**
 * SessionCountsWriter against the real OT schema (in-memory SQLite) and a FakeClock: changes are
 * coalesced into at most one write per interval, the end writes the final counters, and a stored
 * value that is not counters is not read back as counters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../shared/src/clock.js';
import { silentLogger } from '../../../shared/src/log.js';
import { openOtDatabase } from '../store/ot-database.js';
import { createOpenSessionStore } from '../store/open-session-store.js';
import { SessionCountsWriter } from './session-counts.js';

function setup() {
  const clock = new FakeClock(1_000_000);
  const db = openOtDatabase(':memory:');
  const store = createOpenSessionStore(db);
  store.insert({
    sessionId: 'ses_1',
    grantId: 'grt_1',
    userName: 'alice',
    asset: 'plc-1',
    protocol: 'modbus',
    startedAt: clock.now(),
  });
  let writes = 0;
  db.function('count_write', () => ++writes);
  db.exec(`CREATE TEMP TRIGGER counted AFTER UPDATE OF counts ON open_sessions
           BEGIN SELECT count_write(); END`);
  const writer = new SessionCountsWriter('ses_1', store, clock, silentLogger, 1_000);
  const stats = { reads: 0, writes: 0 };
  writer.track(() => stats);
  const stored = () => store.list()[0]?.counts;
  return { clock, db, store, writer, stats, stored, writes: () => writes };
}

test('many changes within an interval make one write, no sooner than the interval after the last', () => {
  const { clock, writer, stats, stored, writes } = setup();
  for (let i = 0; i < 500; i++) {
    stats.reads++;
    writer.changed();
  }
  assert.equal(writes(), 0, 'nothing is written inside a change');
  clock.advance(0);
  assert.equal(writes(), 1);
  assert.deepEqual(stored(), { values: { reads: 500, writes: 0 }, asOf: 1_000_000 });
  for (let i = 0; i < 500; i++) {
    stats.reads++;
    writer.changed();
  }
  clock.advance(999);
  assert.equal(writes(), 1, 'the next write waits out the interval');
  clock.advance(1);
  assert.equal(writes(), 2);
  assert.deepEqual(stored(), { values: { reads: 1000, writes: 0 }, asOf: 1_001_000 });
  clock.advance(10_000);
  assert.equal(writes(), 2, 'no change, no write');
});

test('the end cancels a pending write, writes the final counters once and returns them', () => {
  const { clock, writer, stats, stored, writes } = setup();
  stats.reads = 7;
  writer.changed();
  clock.advance(0);
  stats.reads = 9;
  stats.writes = 1;
  writer.changed();
  clock.advance(300);
  assert.deepEqual(writer.close(), { reads: 9, writes: 1 });
  assert.equal(writes(), 2);
  assert.deepEqual(stored(), { values: { reads: 9, writes: 1 }, asOf: 1_000_300 });
  writer.changed();
  clock.advance(5_000);
  assert.equal(writes(), 2, 'nothing after the end');
});

test('a broker that tracks nothing writes nothing, and its end has no counters', () => {
  const clock = new FakeClock(0);
  const store = createOpenSessionStore(openOtDatabase(':memory:'));
  const writer = new SessionCountsWriter('ses_x', store, clock, silentLogger);
  writer.changed();
  clock.advance(5_000);
  assert.equal(writer.close(), undefined);
});

test('a stored value that is not counters is not read back as counters', () => {
  const { db, store } = setup();
  for (const bad of ['not json', '[1,2]', '{"reads":-1}', '{"reads":"3"}', '{"reads":1.5}']) {
    db.prepare('UPDATE open_sessions SET counts = ?, counts_at = 5').run(bad);
    assert.equal(store.list()[0]?.counts, undefined, bad);
  }
  assert.equal(store.saveCounts('ses_none', { reads: 1 }, 5), false, 'an ended session has no row');
});
