import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from './clock.js';
import { sequentialIds, randomIds } from './ids.js';

test('a fake clock fires timers in due order while advancing, and intervals repeat', () => {
  const clock = new FakeClock(0);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push(`b@${clock.now()}`), 200);
  clock.setTimeout(() => fired.push(`a@${clock.now()}`), 100);
  const iv = clock.setInterval(() => fired.push(`i@${clock.now()}`), 150);
  const cancelled = clock.setTimeout(() => fired.push('never'), 50);
  cancelled.cancel();
  clock.advance(320);
  assert.deepEqual(fired, ['a@100', 'i@150', 'b@200', 'i@300']);
  assert.equal(clock.now(), 320);
  iv.cancel();
  assert.equal(clock.pendingTimers, 0);
  assert.throws(() => clock.set(10), /backwards/);
});

test('a timer set by a timer during advance fires in the same advance', () => {
  const clock = new FakeClock(0);
  const fired: number[] = [];
  clock.setTimeout(() => clock.setTimeout(() => fired.push(clock.now()), 10), 10);
  clock.advance(25);
  assert.deepEqual(fired, [20]);
});

test('ids: sequential for tests, random and unguessable otherwise', () => {
  const s = sequentialIds();
  assert.deepEqual(
    [s.next('grt'), s.next('grt'), s.next('ses')],
    ['grt_0001', 'grt_0002', 'ses_0001'],
  );
  const a = randomIds.next('grt');
  assert.match(a, /^grt_[a-z2-7]{26}$/);
  assert.notEqual(a, randomIds.next('grt'));
});
