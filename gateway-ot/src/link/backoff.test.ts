import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from './backoff.js';

test('reconnect delays double up to the cap, jittered between half and all of it, and reset', () => {
  const low = new Backoff({ initialMs: 1000, maxMs: 30_000, random: () => 0 });
  const high = new Backoff({ initialMs: 1000, maxMs: 30_000, random: () => 0.999999 });
  const lows = Array.from({ length: 8 }, () => low.next());
  const highs = Array.from({ length: 8 }, () => high.next());
  assert.deepEqual(lows, [500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000]);
  assert.deepEqual(highs, [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  low.reset();
  assert.equal(low.next(), 500);
  const real = new Backoff({ initialMs: 1000, maxMs: 30_000 });
  for (let i = 0; i < 100; i++) {
    const d = real.next();
    assert.ok(d >= 500 && d <= 30_000, `${d} within bounds`);
  }
  assert.equal(real.attempts, 100);
});
