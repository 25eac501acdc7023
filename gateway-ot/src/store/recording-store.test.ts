import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openOtDatabase } from './ot-database.js';
import { createRecordingStore, UNACKED_SQL } from './recording-store.js';

/** A store holding `acked` acknowledged recordings, then closed, recovered and open ones not yet acknowledged. */
function storeWith(acked: number) {
  const db = openOtDatabase(':memory:');
  const store = createRecordingStore(db);
  store.atomically(() => {
    for (let i = 0; i < acked; i++) {
      const id = `rec_old_${i}`;
      store.insert({
        id,
        sessionId: `ses_old_${i}`,
        asset: 'hmi-1',
        user: 'alice',
        file: `${id}.cast`,
        startedAt: i,
      });
      store.close(id, 'closed', i + 1, 'ab'.repeat(32), 100);
      store.ack(id, i + 2);
    }
  });
  const base = acked + 10;
  const add = (
    n: string,
    closedAt: number | undefined,
    state: 'closed' | 'recovered' = 'closed',
  ) => {
    store.insert({
      id: n,
      sessionId: `ses_${n}`,
      asset: 'hmi-1',
      user: 'bob',
      file: `${n}.cast`,
      startedAt: base,
    });
    if (closedAt !== undefined) store.close(n, state, base + closedAt, 'cd'.repeat(32), 7);
  };
  add('late', 3);
  add('live', undefined);
  add('early', 1);
  add('crashed', 2, 'recovered');
  return { db, store };
}

test('the recordings still to ship come from their own index, oldest closed first, at any history size', () => {
  const { db, store } = storeWith(5000);
  // Correctness: exactly the closed and recovered recordings not acknowledged, in closing order;
  // never the open one, never an acknowledged one.
  assert.deepEqual(
    store.listUnacked(100).map((r) => r.id),
    ['early', 'crashed', 'late'],
  );
  assert.deepEqual(
    store.listUnacked(2).map((r) => r.id),
    ['early', 'crashed'],
  );
  assert.equal(store.ack('early', 1), true);
  assert.deepEqual(
    store.listUnacked(100).map((r) => r.id),
    ['crashed', 'late'],
  );
  // Cost: the plan walks the partial index (only rows still to ship, already in order), not the
  // table and not a sort; before recording migration 2 it was "SCAN recordings" + a temp B-tree.
  const plan = db
    .prepare<[number], { detail: string }>(`EXPLAIN QUERY PLAN ${UNACKED_SQL}`)
    .all(100)
    .map((r) => r.detail);
  assert.deepEqual(plan, ['SCAN recordings USING INDEX recordings_to_ship'], plan.join('; '));
});
