import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../../shared/src/clock.js';
import { runBounded } from './bounded-runner.js';

/** Lets pending promise callbacks run (the runner awaits between a timer and the next start). */
const settle = () => new Promise<void>((r) => setImmediate(r));

test('probe starts are spaced by the rate (fake clock) and never exceed the concurrency', async () => {
  const clock = new FakeClock(0);
  const starts: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const pending: (() => void)[] = [];
  const done = runBounded(
    Array.from({ length: 10 }, (_, i) => i),
    { perSecond: 4, concurrency: 3 },
    clock,
    async (_item, startedAt) => {
      starts.push(startedAt);
      assert.equal(startedAt, clock.now(), 'a probe starts at its slot, not before');
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // Each probe takes 1 s of clock time: longer than the spacing, so concurrency binds too.
      await new Promise<void>((r) => pending.push(r));
      inFlight--;
    },
  );
  let finished = false;
  void done.then(() => (finished = true));
  for (let ms = 0; ms < 20_000 && !finished; ms += 50) {
    await settle();
    // Probes finish a second after they start.
    while (
      pending.length > 0 &&
      starts.length > 0 &&
      clock.now() - (starts[starts.length - pending.length] ?? 0) >= 1000
    )
      pending.shift()?.();
    await settle();
    clock.advance(50);
  }
  await done;
  assert.equal(starts.length, 10);
  for (let i = 1; i < starts.length; i++)
    assert.ok(
      (starts[i] ?? 0) - (starts[i - 1] ?? 0) >= 250,
      `start ${i} at ${starts[i]} is at least 1/4 s after ${starts[i - 1]}`,
    );
  assert.ok(maxInFlight <= 3, `at most 3 in flight (saw ${maxInFlight})`);
  assert.equal(maxInFlight, 3, 'the concurrency is used');
});

test('no burst: a fast probe does not let the next one start before its slot', async () => {
  const clock = new FakeClock(1000);
  const starts: number[] = [];
  const done = runBounded([1, 2, 3], { perSecond: 1, concurrency: 8 }, clock, (_i, at) => {
    starts.push(at);
    return Promise.resolve();
  });
  for (let i = 0; i < 10; i++) {
    await settle();
    clock.advance(500);
  }
  await done;
  assert.deepEqual(starts, [1000, 2000, 3000]);
});
