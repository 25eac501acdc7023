import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomIds, sequentialIds } from './ids.js';

test('random ids: prefix, 26 base32 characters (128 bits), no repeats across many pool refills', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 20_000; i++) {
    const id = randomIds.next('evt');
    assert.match(id, /^evt_[a-z2-7]{26}$/);
    seen.add(id);
  }
  assert.equal(seen.size, 20_000);
});

test('sequential ids count per prefix', () => {
  const ids = sequentialIds();
  assert.deepEqual(
    [ids.next('grt'), ids.next('grt'), ids.next('ses')],
    ['grt_0001', 'grt_0002', 'ses_0001'],
  );
});
