import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPasswordPool } from './password-pool.js';

const workerOf = (code: string): URL => new URL(`data:text/javascript,${encodeURIComponent(code)}`);

test('the pool hashes and verifies argon2id on its threads', async (t) => {
  const pool = createPasswordPool({ workers: 2 });
  t.after(() => pool.close());
  const encoded = await pool.hash('correct horse battery staple');
  assert.match(encoded, /^\$argon2id\$v=19\$m=65536,t=2,p=1\$/);
  const [right, wrong, malformed] = await Promise.all([
    pool.verify(encoded, 'correct horse battery staple'),
    pool.verify(encoded, 'correct horse battery stapler'),
    pool.verify('plain', 'plain'),
  ]);
  assert.deepEqual([right, wrong, malformed], [true, false, false]);
  assert.deepEqual(pool.stats(), { running: 0, queued: 0, refused: 0 });
});

test('past its queue the pool refuses at once; closing fails what waits', async () => {
  const held = workerOf(
    "import { parentPort } from 'node:worker_threads'; parentPort.on('message', () => {});",
  );
  const pool = createPasswordPool({ workers: 1, maxQueued: 2, workerUrl: held });
  const waiting = [pool.hash('a'), pool.verify('x', 'b'), pool.hash('c')].map((p) =>
    p.then(
      () => 'answered',
      (e: unknown) => (e as { code?: string }).code,
    ),
  );
  assert.deepEqual(pool.stats(), { running: 1, queued: 2, refused: 0 });
  assert.equal(pool.isFull(), true);
  await assert.rejects(pool.hash('d'), { kind: 'unavailable', code: 'auth.busy' });
  assert.equal(pool.stats().refused, 1);
  await pool.close();
  assert.deepEqual(await Promise.all(waiting), ['auth.closed', 'auth.closed', 'auth.closed']);
  await assert.rejects(pool.hash('e'), { code: 'auth.closed' });
});

test('a thread that dies fails its task without the password in the error, and is replaced', async () => {
  // Dies on the first message of each thread: the second task runs on a fresh (dying) thread too.
  const dies = workerOf(
    "import { parentPort } from 'node:worker_threads'; parentPort.on('message', () => { throw new Error('boom'); });",
  );
  const pool = createPasswordPool({ workers: 1, workerUrl: dies });
  try {
    const first = await pool.hash('secret-one').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(first instanceof Error);
    assert.equal((first as Error & { code?: string }).code, 'auth.worker_failed');
    assert.ok(!String((first as Error).message).includes('secret-one'));
    await assert.rejects(pool.verify('x', 'secret-two'), { code: 'auth.worker_failed' });
  } finally {
    await pool.close();
  }
});
